"""A synthetic cables.csv in the exact format of the Cablegate release, for load tests.

Eight columns, no header row, every field quoted, `\\"` and `\\\\` escapes, newlines kept
inside fields: internal id, created (MM/DD/YYYY HH:MM), reference ID, origin,
classification, references (`|`-separated IDs of earlier cables of the same corpus, and
now and then of a cable the corpus lacks, as in the release),
header, body.

Everything is drawn from one `random.Random(seed)`, so a seed always gives the same
file. Rows are written as they are generated, in chronological order (the order
statistics of the date distribution are drawn one after the other), and the only
state kept between cables is bounded: serial counters per post and year and a few
recent reference IDs per post. Memory stays flat whatever the count.

The shape follows the real release: about 250 posts and 300 TAGS with Zipf-like
frequencies, its classification mix, dates from 1985 to February 2010 with 2008 and
2009 the biggest years, 4-15 numbered paragraphs per cable carrying portion markings
(mostly the classification's, some lower; NOFORN printed as S/NF, S//NF, S NF …), and
about 6.5 KB per cable. The text is built from
templates over a security-cooperation vocabulary, so that common terms ("terrorism",
"drug trafficking") occur in many cables and rare ones ("VRAE", "riverine") in few.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import time
import zlib
from bisect import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from archive.importers.cablegate_dialect import CablesDialect

# --- Weighted choice ---------------------------------------------------------------------


class Weighted:
    """Items with weights; `pick(rng)` is one bisect over the cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = []
        running = 0.0
        for weight in weights:
            running += weight
            self.cum.append(running)
        self.total = running

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


def zipf_weights(count: int, exponent: float, offset: float) -> list[float]:
    """1 / (rank + offset) ** exponent for ranks 1..count."""
    return [1.0 / (rank + offset) ** exponent for rank in range(1, count + 1)]


def weighted_from_pairs(pairs: list[tuple[str, float]]) -> Weighted:
    return Weighted([item for item, _ in pairs], [weight for _, weight in pairs])


# --- Classifications ------------------------------------------------------------------------
# name, count in the real release, paragraph marking, banner, ZNY line, caveat line


@dataclass(frozen=True)
class Classification:
    name: str
    released: int
    marking: str
    banner: str
    zny: str
    caveat: str
    classified: bool


_CONFIDENTIAL, _SECRET = "C O N F I D E N T I A L", "S E C R E T"
_ZNR_U, _ZNY_C, _ZNY_S = "ZNR UUUUU ZZH", "ZNY CCCCC ZZH", "ZNY SSSSS ZZH"
_FOUO = "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
CLASSIFICATIONS = [
    Classification("UNCLASSIFIED", 75792, "U", "UNCLAS", _ZNR_U, "", False),
    Classification(_FOUO, 58095, "SBU", "UNCLAS", _ZNR_U, "SENSITIVE", False),
    Classification("CONFIDENTIAL", 97070, "C", _CONFIDENTIAL, _ZNY_C, "", True),
    Classification("CONFIDENTIAL//NOFORN", 4678, "C//NF", _CONFIDENTIAL, _ZNY_C, "NOFORN", True),
    Classification("SECRET", 11322, "S", _SECRET, _ZNY_S, "", True),
    Classification("SECRET//NOFORN", 4330, "S//NF", _SECRET, _ZNY_S, "NOFORN", True),
]
CLASSIFICATION_CHOICE = Weighted(CLASSIFICATIONS, [c.released for c in CLASSIFICATIONS])
MARKINGS = {c.name: c.marking for c in CLASSIFICATIONS}
# Paragraph markings per classification: (the cable's own level as printed, weighted by
# repetition; lower levels a paragraph may carry).
PARAGRAPH_MARKINGS = {
    "UNCLASSIFIED": (["U"], []),
    _FOUO: (["SBU"], ["U"]),
    "CONFIDENTIAL": (["C"], ["U", "SBU"]),
    "CONFIDENTIAL//NOFORN": (["C/NF"] * 6 + ["C//NF", "C NF"], ["C", "U"]),
    "SECRET": (["S"], ["C", "U"]),
    "SECRET//NOFORN": (["S/NF"] * 8 + ["S//NF", "S NF", "S/NOFORN"], ["S", "C", "U"]),
}

# --- Dates ----------------------------------------------------------------------------------
# Relative number of cables per year: few before 2003, 2008 and 2009 the biggest years,
# and 2010 only up to the end of February, as in the release.
# fmt: off
YEAR_WEIGHTS = {
    1985: 0.05, 1986: 0.05, 1987: 0.05, 1988: 0.06, 1989: 0.07, 1990: 0.08, 1991: 0.08,
    1992: 0.08, 1993: 0.09, 1994: 0.09, 1995: 0.10, 1996: 0.11, 1997: 0.12, 1998: 0.13,
    1999: 0.15, 2000: 0.25, 2001: 0.45, 2002: 0.9, 2003: 1.7, 2004: 3.9, 2005: 6.9, 2006: 12.8,
    2007: 16.8, 2008: 20.0, 2009: 19.6, 2010: 2.6,
}
# fmt: on
LAST_CREATED = dt.datetime(2010, 2, 28, 23, 59)
MONTH_ABBR = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


class Timeline:
    """Maps u in [0, 1) to a minute between 1985 and February 2010, monotonically."""

    def __init__(self):
        self.starts: list[float] = []  # cumulative probability where each year begins
        self.years: list[tuple[dt.datetime, float, float]] = []  # (start, minutes, weight)
        total = sum(YEAR_WEIGHTS.values())
        running = 0.0
        for year, weight in sorted(YEAR_WEIGHTS.items()):
            start = dt.datetime(year, 1, 1)
            end = min(dt.datetime(year + 1, 1, 1), LAST_CREATED)
            self.starts.append(running)
            self.years.append((start, (end - start).total_seconds() / 60, weight / total))
            running += weight / total

    def at(self, u: float) -> dt.datetime:
        index = bisect(self.starts, u) - 1
        start, minutes, share = self.years[index]
        offset = (u - self.starts[index]) / share * minutes
        return start + dt.timedelta(minutes=min(int(offset), int(minutes) - 1))


def sorted_uniforms(rng: random.Random, count: int) -> Iterator[float]:
    """`count` sorted uniform variates in increasing order, one at a time, in O(1) memory.

    The largest of k uniforms is U ** (1 / k); working down from the top and taking
    1 - x turns the descending sequence into an ascending one.
    """
    top = 1.0
    for k in range(count, 0, -1):
        top *= rng.random() ** (1.0 / k)
        yield 1.0 - top


# --- Countries and posts --------------------------------------------------------------------
# TAG;name;adjective;region. Regions: AND (Andean), WHA (rest of the hemisphere), EUR, NEA
# (Near East), SCA (South and Central Asia), EAP (East Asia and Pacific), AFR (Africa).
COUNTRY_TABLE = """
IZ;Iraq;Iraqi;NEA|JA;Japan;Japanese;EAP|TU;Turkey;Turkish;EUR|CH;China;Chinese;EAP
AF;Afghanistan;Afghan;SCA|RS;Russia;Russian;EUR|FR;France;French;EUR|JO;Jordan;Jordanian;NEA
EG;Egypt;Egyptian;NEA|KS;South Korea;South Korean;EAP|CO;Colombia;Colombian;AND
VE;Venezuela;Venezuelan;WHA|PK;Pakistan;Pakistani;SCA|BR;Brazil;Brazilian;WHA
IS;Israel;Israeli;NEA|AR;Argentina;Argentine;WHA|MX;Mexico;Mexican;WHA|SY;Syria;Syrian;NEA
LE;Lebanon;Lebanese;NEA|GM;Germany;German;EUR|UK;the United Kingdom;British;EUR
IT;Italy;Italian;EUR|ID;Indonesia;Indonesian;EAP|RP;the Philippines;Philippine;EAP
TH;Thailand;Thai;EAP|IN;India;Indian;SCA|SA;Saudi Arabia;Saudi;NEA|PE;Peru;Peruvian;AND
BL;Bolivia;Bolivian;AND|EC;Ecuador;Ecuadorian;AND|CI;Chile;Chilean;WHA|SP;Spain;Spanish;EUR
KU;Kuwait;Kuwaiti;NEA|UP;Ukraine;Ukrainian;EUR|AE;the United Arab Emirates;Emirati;NEA
NI;Nigeria;Nigerian;AFR|KE;Kenya;Kenyan;AFR|SF;South Africa;South African;AFR
GT;Guatemala;Guatemalan;WHA|HO;Honduras;Honduran;WHA|NU;Nicaragua;Nicaraguan;WHA
ES;El Salvador;Salvadoran;WHA|PM;Panama;Panamanian;WHA|CS;Costa Rica;Costa Rican;WHA
PA;Paraguay;Paraguayan;WHA|UY;Uruguay;Uruguayan;WHA|DR;the Dominican Republic;Dominican;WHA
HA;Haiti;Haitian;WHA|CU;Cuba;Cuban;WHA|CA;Canada;Canadian;WHA|VM;Vietnam;Vietnamese;EAP
MY;Malaysia;Malaysian;EAP|SN;Singapore;Singaporean;EAP|AS;Australia;Australian;EAP
NZ;New Zealand;New Zealand;EAP|BM;Burma;Burmese;EAP|CB;Cambodia;Cambodian;EAP
LA;Laos;Lao;EAP|MG;Mongolia;Mongolian;EAP|TW;Taiwan;Taiwanese;EAP|BG;Bangladesh;Bangladeshi;SCA
CE;Sri Lanka;Sri Lankan;SCA|NP;Nepal;Nepali;SCA|KZ;Kazakhstan;Kazakhstani;SCA
UZ;Uzbekistan;Uzbek;SCA|KG;Kyrgyzstan;Kyrgyz;SCA|TI;Tajikistan;Tajik;SCA
TX;Turkmenistan;Turkmen;SCA|IR;Iran;Iranian;NEA|YM;Yemen;Yemeni;NEA|QA;Qatar;Qatari;NEA
BA;Bahrain;Bahraini;NEA|MU;Oman;Omani;NEA|LY;Libya;Libyan;NEA|TS;Tunisia;Tunisian;NEA
AG;Algeria;Algerian;NEA|MO;Morocco;Moroccan;NEA|NL;the Netherlands;Dutch;EUR
BE;Belgium;Belgian;EUR|LU;Luxembourg;Luxembourg;EUR|SZ;Switzerland;Swiss;EUR
AU;Austria;Austrian;EUR|DA;Denmark;Danish;EUR|NO;Norway;Norwegian;EUR|SW;Sweden;Swedish;EUR
FI;Finland;Finnish;EUR|IC;Iceland;Icelandic;EUR|EI;Ireland;Irish;EUR|GR;Greece;Greek;EUR
CY;Cyprus;Cypriot;EUR|MT;Malta;Maltese;EUR|PL;Poland;Polish;EUR|EZ;the Czech Republic;Czech;EUR
LO;Slovakia;Slovak;EUR|HU;Hungary;Hungarian;EUR|RO;Romania;Romanian;EUR
BU;Bulgaria;Bulgarian;EUR|SI;Slovenia;Slovenian;EUR|HR;Croatia;Croatian;EUR
BK;Bosnia and Herzegovina;Bosnian;EUR|SR;Serbia;Serbian;EUR|MW;Montenegro;Montenegrin;EUR
MK;Macedonia;Macedonian;EUR|AL;Albania;Albanian;EUR|KV;Kosovo;Kosovar;EUR
BO;Belarus;Belarusian;EUR|MD;Moldova;Moldovan;EUR|EN;Estonia;Estonian;EUR
LG;Latvia;Latvian;EUR|LH;Lithuania;Lithuanian;EUR|GG;Georgia;Georgian;EUR
AM;Armenia;Armenian;EUR|AJ;Azerbaijan;Azerbaijani;EUR|VT;the Holy See;Vatican;EUR
PO;Portugal;Portuguese;EUR|ET;Ethiopia;Ethiopian;AFR|UG;Uganda;Ugandan;AFR
TZ;Tanzania;Tanzanian;AFR|RW;Rwanda;Rwandan;AFR|BY;Burundi;Burundian;AFR
CG;the Democratic Republic of the Congo;Congolese;AFR|CF;the Republic of the Congo;Congolese;AFR
GB;Gabon;Gabonese;AFR|CM;Cameroon;Cameroonian;AFR|CD;Chad;Chadian;AFR|SU;Sudan;Sudanese;AFR
ER;Eritrea;Eritrean;AFR|DJ;Djibouti;Djiboutian;AFR|ZI;Zimbabwe;Zimbabwean;AFR
ZA;Zambia;Zambian;AFR|MI;Malawi;Malawian;AFR|MZ;Mozambique;Mozambican;AFR
AO;Angola;Angolan;AFR|WA;Namibia;Namibian;AFR|BC;Botswana;Botswana;AFR|LT;Lesotho;Basotho;AFR
WZ;Swaziland;Swazi;AFR|MA;Madagascar;Malagasy;AFR|MP;Mauritius;Mauritian;AFR
SG;Senegal;Senegalese;AFR|ML;Mali;Malian;AFR|NG;Niger;Nigerien;AFR
UV;Burkina Faso;Burkinabe;AFR|GH;Ghana;Ghanaian;AFR|IV;Cote d'Ivoire;Ivoirian;AFR
LI;Liberia;Liberian;AFR|SL;Sierra Leone;Sierra Leonean;AFR|GV;Guinea;Guinean;AFR
GA;The Gambia;Gambian;AFR|TO;Togo;Togolese;AFR|BN;Benin;Beninese;AFR
MR;Mauritania;Mauritanian;AFR|CT;the Central African Republic;Central African;AFR
EK;Equatorial Guinea;Equatoguinean;AFR|CV;Cape Verde;Cape Verdean;AFR
JM;Jamaica;Jamaican;WHA|TD;Trinidad and Tobago;Trinidadian;WHA|BB;Barbados;Barbadian;WHA
BF;the Bahamas;Bahamian;WHA|BH;Belize;Belizean;WHA|GY;Guyana;Guyanese;WHA
NS;Suriname;Surinamese;WHA|PP;Papua New Guinea;Papua New Guinean;EAP|FJ;Fiji;Fijian;EAP
TT;Timor-Leste;Timorese;EAP|BX;Brunei;Bruneian;EAP|RM;the Marshall Islands;Marshallese;EAP
HK;Hong Kong;Hong Kong;EAP|SO;Somalia;Somali;AFR|KWBG;the West Bank and Gaza;Palestinian;NEA
"""

# Posts in rough order of how many cables each sent (rank drives the Zipf weight).
# E;City;TAG = embassy, C;City;TAG = consulate, S;code;origin;FM;banner;TAG = special post.
POST_TABLE = """
E;Baghdad;IZ|E;Tokyo;JA|S;STATE;Secretary of State;SECSTATE WASHDC;STATE;US|E;Ankara;TU
C;Hong Kong;HK|E;Beijing;CH|E;Kabul;AF|E;Moscow;RS|E;Paris;FR|E;Amman;JO|E;Cairo;EG
E;Seoul;KS|E;Bogota;CO|E;Caracas;VE|E;Islamabad;PK|E;Brasilia;BR|E;Lima;PE
S;AITTAIPEI;American Institute Taiwan, Taipei;AIT TAIPEI;AIT TAIPEI;TW|E;Tel Aviv;IS
E;Buenos Aires;AR|E;Mexico;MX|E;Damascus;SY|E;Beirut;LE|E;Berlin;GM
S;USUNNEWYORK;USUN New York;USMISSION USUN NEW YORK;USUN NEW YORK;UN|E;London;UK|E;Rome;IT
E;Jakarta;ID|E;Manila;RP|E;Bangkok;TH|E;New Delhi;IN|E;Riyadh;SA|E;La Paz;BL|E;Quito;EC
S;USNATO;Mission USNATO;USMISSION USNATO;USNATO;NATO
S;GENEVA;Mission Geneva;USMISSION GENEVA;GENEVA;UN
E;Santiago;CI|E;Madrid;SP|E;Kuwait;KU|E;Kyiv;UP|E;Abu Dhabi;AE|E;Abuja;NI|E;Nairobi;KE
E;Pretoria;SF|E;Guatemala;GT|E;Tegucigalpa;HO|E;Managua;NU|E;San Salvador;ES|E;Panama;PM
E;San Jose;CS|S;USEUBRUSSELS;USEU Brussels;USEU BRUSSELS;USEU BRUSSELS;EUN|E;The Hague;NL
E;Asuncion;PA|E;Montevideo;UY|E;Santo Domingo;DR|E;Port Au Prince;HA
S;HAVANA;US Interests Section Havana;USINT HAVANA;HAVANA;CU|E;Ottawa;CA|E;Hanoi;VM
E;Kuala Lumpur;MY|E;Singapore;SN|E;Canberra;AS|E;Rangoon;BM|E;Phnom Penh;CB|E;Colombo;CE
E;Dhaka;BG|E;Kathmandu;NP|E;Astana;KZ|E;Tashkent;UZ|E;Bishkek;KG|E;Dushanbe;TI
E;Ashgabat;TX|S;RPODUBAI;Iran RPO Dubai;IRAN RPO DUBAI;RPO DUBAI;IR|E;Sanaa;YM|E;Doha;QA
E;Manama;BA|E;Muscat;MU|E;Tripoli;LY|E;Tunis;TS|E;Algiers;AG|E;Rabat;MO|E;Brussels;BE
C;Karachi;PK|E;Bern;SZ|E;Vienna;AU|E;Copenhagen;DA|E;Oslo;NO|E;Stockholm;SW|E;Helsinki;FI
E;Athens;GR|E;Nicosia;CY|E;Warsaw;PL|E;Prague;EZ|E;Budapest;HU|E;Bucharest;RO|E;Sofia;BU
E;Zagreb;HR|E;Sarajevo;BK|E;Belgrade;SR|E;Skopje;MK|E;Tirana;AL|E;Pristina;KV|E;Minsk;BO
E;Chisinau;MD|E;Tallinn;EN|E;Riga;LG|E;Vilnius;LH|E;Tbilisi;GG|E;Yerevan;AM|E;Baku;AJ
E;Vatican;VT|E;Lisbon;PO|E;Dublin;EI|E;Reykjavik;IC|E;Luxembourg;LU|E;Valletta;MT
E;Ljubljana;SI|E;Bratislava;LO|E;Addis Ababa;ET|E;Kampala;UG|E;Dar Es Salaam;TZ
E;Kigali;RW|E;Khartoum;SU|E;Kinshasa;CG|E;Harare;ZI|E;Lusaka;ZA|E;Luanda;AO|E;Maputo;MZ
E;Dakar;SG|E;Accra;GH|E;Bamako;ML|E;Niamey;NG|E;Ndjamena;CD|E;Yaounde;CM|E;Monrovia;LI
C;Istanbul;TU|C;Jerusalem;KWBG|C;Dubai;AE|C;Jeddah;SA|C;Dhahran;SA|C;Lahore;PK
C;Peshawar;PK|C;Mumbai;IN|C;Chennai;IN|C;Kolkata;IN|C;Shanghai;CH|C;Guangzhou;CH
C;Shenyang;CH|C;Chengdu;CH|C;Osaka Kobe;JA|C;Naha;JA|C;Sao Paulo;BR|C;Rio De Janeiro;BR
C;Recife;BR|C;Guayaquil;EC|C;Monterrey;MX|C;Guadalajara;MX|C;Tijuana;MX|C;Ciudad Juarez;MX
C;Nuevo Laredo;MX|C;Matamoros;MX|C;Hermosillo;MX|C;Nogales;MX|C;Merida;MX
C;Frankfurt;GM|C;Munich;GM|C;Hamburg;GM|C;Leipzig;GM|C;Dusseldorf;GM|C;Milan;IT
C;Naples;IT|C;Florence;IT|C;Barcelona;SP|C;Marseille;FR|C;Strasbourg;FR|C;Toronto;CA
C;Montreal;CA|C;Vancouver;CA|C;Calgary;CA|C;Halifax;CA|C;Quebec;CA|C;St Petersburg;RS
C;Yekaterinburg;RS|C;Vladivostok;RS|C;Krakow;PL|C;Adana;TU|C;Lagos;NI
C;Johannesburg;SF|C;Cape Town;SF|C;Durban;SF|C;Chiang Mai;TH|C;Ho Chi Minh City;VM
C;Surabaya;ID|C;Sydney;AS|C;Melbourne;AS|C;Perth;AS|C;Auckland;NZ|C;Belfast;UK
C;Edinburgh;UK|C;Thessaloniki;GR|C;Casablanca;MO|C;Alexandria;EG|C;Ponta Delgada;PO
C;Curacao;NL|C;Amsterdam;NL|C;Sapporo;JA|C;Fukuoka;JA|C;Nagoya;JA|C;Hyderabad;IN
S;UNVIEVIENNA;UNVIE;USMISSION UNVIE VIENNA;UNVIE VIENNA;IAEA
S;USOSCE;Mission USOSCE;USMISSION USOSCE;USOSCE;OSCE
S;UNROME;Mission UN Rome;USMISSION UN ROME;UN ROME;FAO
S;UNESCOPARISFR;Mission UNESCO;USMISSION UNESCO PARIS;UNESCO PARIS FR;SCUL
S;BASRAH;REO Basrah;REO BASRAH;BASRAH;IZ|S;HILLAH;REO Hillah;REO HILLAH;HILLAH;IZ
S;KIRKUK;REO Kirkuk;REO KIRKUK;KIRKUK;IZ|S;MOSUL;REO Mosul;REO MOSUL;MOSUL;IZ
E;Wellington;NZ|E;Ulaanbaatar;MG|E;Vientiane;LA|E;Dili;TT|E;Port Moresby;PP|E;Suva;FJ
E;Bandar Seri Begawan;BX|E;Majuro;RM|E;Kingston;JM|E;Port Of Spain;TD|E;Bridgetown;BB
E;Nassau;BF|E;Belmopan;BH|E;Georgetown;GY|E;Paramaribo;NS|E;Podgorica;MW|E;Asmara;ER
E;Djibouti;DJ|E;Lilongwe;MI|E;Windhoek;WA|E;Gaborone;BC|E;Maseru;LT|E;Mbabane;WZ
E;Antananarivo;MA|E;Port Louis;MP|E;Ouagadougou;UV|E;Abidjan;IV|E;Freetown;SL
E;Conakry;GV|E;Banjul;GA|E;Lome;TO|E;Cotonou;BN|E;Nouakchott;MR|E;Bangui;CT
E;Malabo;EK|E;Praia;CV|E;Libreville;GB|E;Brazzaville;CF|E;Bujumbura;BY
"""

# Routing indicators known from real headers; the rest are derived from the name.
# fmt: off
ROUTING = {
    "STATE": "RUEHC", "LIMA": "RUEHPE", "BOGOTA": "RUEHBO", "THEHAGUE": "RUEHTC",
    "USNATO": "RUEHNO", "BAGHDAD": "RUEHGB", "KABUL": "RUEHBUL", "TOKYO": "RUEHKO",
    "MOSCOW": "RUEHMO", "PARIS": "RUEHFR", "LONDON": "RUEHLO", "BEIJING": "RUEHBJ",
    "ANKARA": "RUEHAK", "HONGKONG": "RUEHHK", "ISLAMABAD": "RUEHIL", "KARACHI": "RUEHKP",
    "NEWDELHI": "RUEHNE", "CARACAS": "RUEHCV", "LAPAZ": "RUEHLP", "QUITO": "RUEHQT",
    "SANTIAGO": "RUEHSG", "BRASILIA": "RUEHBR", "BUENOSAIRES": "RUEHBU", "MEXICO": "RUEHME",
    "PANAMA": "RUEHZP", "SANJOSE": "RUEHSJ", "MADRID": "RUEHMD", "ROME": "RUEHRO",
    "BRUSSELS": "RUEHBS", "CANBERRA": "RUEHBY", "SEOUL": "RUEHUL", "SINGAPORE": "RUEHGP",
    "TELAVIV": "RUEHTV", "AMMAN": "RUEHAM", "CAIRO": "RUEHEG", "RIYADH": "RUEHRH",
    "DAMASCUS": "RUEHDM", "BEIRUT": "RUEHLB", "NAIROBI": "RUEHNR", "PRETORIA": "RUEHSA",
    "HAVANA": "RUEHUB", "SANSALVADOR": "RUEHSN", "GUATEMALA": "RUEHGT", "TEGUCIGALPA": "RUEHTG",
    "MANAGUA": "RUEHMU", "ALGIERS": "RUEHAS", "RABAT": "RUEHRB", "TUNIS": "RUEHTU",
    "KUWAIT": "RUEHKU", "MANAMA": "RUEHMK", "DOHA": "RUEHDO", "ABUDHABI": "RUEHAD",
    "SAOPAULO": "RUEHSO", "RIODEJANEIRO": "RUEHRI", "GUAYAQUIL": "RUEHGL", "BAKU": "RUEHKB",
    "ASUNCION": "RUEHAC", "MONTEVIDEO": "RUEHMN", "RECIFE": "RUEHRG", "VATICAN": "RUEHROV",
    "USUNNEWYORK": "RUCNDT", "GENEVA": "RUEHGV", "UNVIEVIENNA": "RUEHUNV", "BERLIN": "RUEHRL",
}
# fmt: on


@dataclass(frozen=True)
class Country:
    tag: str
    name: str
    adjective: str
    region: str
    capital: str = ""

    @property
    def gov(self) -> str:
        """The cables' abbreviation for the government: GOP, GOC, GOB, GVN ..."""
        if self.tag in GOV_ABBREVIATIONS:
            return GOV_ABBREVIATIONS[self.tag]
        return "GO" + self.name.removeprefix("the ")[0].upper()


@dataclass(frozen=True)
class Post:
    code: str  # as in the reference ID: THEHAGUE
    origin: str  # the release's origin column: Embassy The Hague
    fm: str  # the FM line: AMEMBASSY THE HAGUE
    banner: str  # as printed in the body: THE HAGUE
    routing: str  # RUEHTC
    country: Country | None  # None for missions that cover many countries
    tag: str  # the country's tag, or the organization's (NATO, IAEA ...) for a mission
    rank: int
    yearly: int  # cables the post sends a year; serial numbers run up to about this


def parse_countries(table: str) -> dict[str, Country]:
    countries = {}
    for entry in table.replace("\n", "|").split("|"):
        if entry.strip():
            tag, name, adjective, region = entry.strip().split(";")
            countries[tag] = Country(tag, name, adjective, region)
    return countries


COUNTRIES = parse_countries(COUNTRY_TABLE)


USED_ROUTINGS = set(ROUTING.values())


def routing_for(code: str) -> str:
    """The post's routing indicator: the real one if known, else an unused RUEH + two letters."""
    if code in ROUTING:
        return ROUTING[code]
    letters = code.replace(" ", "")
    for second in letters[1:] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        candidate = f"RUEH{letters[0]}{second}"
        if candidate not in USED_ROUTINGS:
            USED_ROUTINGS.add(candidate)
            return candidate
    return f"RUEH{letters[:3]}"


def yearly_volume(code: str, rank: int) -> int:
    """Roughly how many cables a post of this rank sends a year (3,000-4,000 for the busiest)."""
    jitter = 0.7 + (zlib.crc32(code.encode()) % 600) / 1000
    return int((4200 / (1 + rank / 12) + 250) * jitter)


def make_post(entry: str, rank: int) -> Post:
    parts = entry.strip().split(";")
    if parts[0] == "S":
        _, code, origin, fm, banner, tag = parts
        yearly = 135000 if code == "STATE" else yearly_volume(code, rank)
        country = COUNTRIES.get(tag)
        return Post(code, origin, fm, banner, routing_for(code), country, tag, rank, yearly)
    kind, city, tag = parts
    code = "".join(ch for ch in city.upper() if ch.isalpha())
    prefix, label = ("AMEMBASSY", "Embassy") if kind == "E" else ("AMCONSUL", "Consulate")
    return Post(
        code,
        f"{label} {city}",
        f"{prefix} {city.upper()}",
        city.upper(),
        routing_for(code),
        COUNTRIES[tag],
        tag,
        rank,
        yearly_volume(code, rank),
    )


def parse_posts(table: str) -> list[Post]:
    entries = [e for e in table.replace("\n", "|").split("|") if e.strip()]
    return [make_post(entry, rank) for rank, entry in enumerate(entries, 1)]


POSTS = parse_posts(POST_TABLE)
POST_CHOICE = Weighted(POSTS, zipf_weights(len(POSTS), 0.8, 5.0))
EMBASSIES = [p for p in POSTS if p.origin.startswith("Embassy")]
CAPITALS = {p.country.tag: p.banner.title() for p in EMBASSIES}
# The country a cable from a multilateral post (STATE, USNATO ...) is mostly about.
EMBASSY_WEIGHTS = zipf_weights(len(EMBASSIES), 0.9, 3.0)
SUBJECT_COUNTRY_CHOICE = Weighted([p.country for p in EMBASSIES], EMBASSY_WEIGHTS)
REGION_EMBASSIES = {
    region: [p for p in EMBASSIES if p.country.region == region]
    for region in {c.region for c in COUNTRIES.values()}
}

# --- TAGS -----------------------------------------------------------------------------------
# Subject tags in rough order of frequency in the release.
SUBJECT_TAGS = """
PREL PGOV PTER MARR SNAR ECON PINR KDEM PHUM MOPS KCRM ETRD EFIN PARM MASS ASEC EAID KNNP
ENRG EINV OVIP KJUS KPKO PINS SOCI ELAB EPET EAGR KTIP PREF KTFN CASC CVIS AMGT KPAO SCUL
KIRF KWMN KHIV KFLU SENV TBIO ECIN EAIR EWWT ELTN EMIN EIND ECPS KSTH KMDR OIIP OPRC KHLS
KCOR KPAL KISL KAWC KICC UNGA UNSC NATO EUN OAS OSCE IAEA WTO PBTS PINT PROP TSPA TSPL
ETTC EFIS ENVR KGIC KUNR KMCA MCAP MNUC APER ABUD AORC AEMR ASIG AFIN CMGT CJAN CPAS DTRA
KGHG KIPR KSCA KMPI KPLS KRVC KCFE KOMC KSEP KSUM KVPR KWAC KPRV KTDB KSPR KFRD KOLY PHSA
EUNCH ASEAN OPEC UNHRC UNHCR UNDP KLIG KOCI KSTC KPWR KRAD KREC KSEC KACT KTBT KCIP KHDP
KPOA IMF OECD APECO ECOWAS SADC ICAO ILO CWC OPCW BWC MTCRE AFSI
"""
SUBJECT_TAG_LIST = SUBJECT_TAGS.split()
SUBJECT_TAG_CHOICE = Weighted(SUBJECT_TAG_LIST, zipf_weights(len(SUBJECT_TAG_LIST), 1.1, 1.0))
ALL_TAGS = sorted(set(SUBJECT_TAG_LIST) | {c.tag for c in COUNTRIES.values()} | {"US", "UN"})

# fmt: off
# --- People ---------------------------------------------------------------------------------
FIRST_NAMES = {
    "AND": "Alan Jorge Juan Luis Carlos Alvaro Fernando Gustavo Rafael Hugo Jaime Oscar Ernesto "
    "Alfredo Cesar Javier Ricardo Enrique Pedro",
    "WHA": "Jose Manuel Carlos Felipe Genaro Eduardo Ricardo Luis Jorge Sergio Antonio Guillermo "
    "Roberto Francisco Mario Hector Alberto",
    "EUR": "Jan Pieter Hans Klaus Francois Jean Giovanni Marco Andrzej Pavel Nikolai Sergei Mehmet "
    "Ahmet Lars Mikhail Dimitri Stefan Tomas",
    "NEA": "Ahmed Mohammed Ali Hassan Khalid Nabil Omar Saad Walid Abdullah Faisal Hamad Yousef "
    "Tariq Samir Ibrahim Jamal Adel Mustafa",
    "SCA": "Abdul Mohammad Hamid Shah Rahman Tariq Pervez Ashraf Nasir Rashid Sanjay Rajiv Anil "
    "Nursultan Rustam Bakhtiyar Sher",
    "EAP": "Hiroshi Takeshi Kim Lee Park Wang Zhang Liu Nguyen Somchai Anwar Juan Susilo "
    "Kenji Sung Hun Chen Jose",
    "AFR": "Joseph John Samuel Moses Emmanuel Abdoulaye Amadou Kwame Paul Peter Jean "
    "Yoweri Raila Olusegun Tendai Ibrahim",
}
LAST_NAMES = {
    "AND": "Wagner Garcia Giampietri Flores Uribe Santos Morales Quiroga Correa Chavez Rospigliosi "
    "Vargas Pardo Holguin Cabrera Alarcon Montoya Velasquez Guzman Mendoza Salazar Acosta",
    "WHA": "Calderon Lula Kirchner Bachelet Ortega Saca Zelaya Colom Torrijos Arias Tabare Duarte "
    "Fernandez Preval Martinelli Rodriguez Hernandez Lopez Ramirez Castillo Jobim Mora",
    "EUR": "Scheffer Verhagen Steinmeier Kouchner Frattini Sikorski Lavrov Serdyukov Babacan "
    "Gul Schwarzenberg Bildt Stoere Moratinos Solana Tadic Sanader Saakashvili Petrov Kovac",
    "NEA": "Maliki Hashimi Zebari Mubarak Suleiman Abdullah Assad Muallem Siniora Hariri Nasrallah "
    "Salih Qaboos Qadhafi Ben Ali Bouteflika Fassi Fihri Khalifa Thani Jassim Obeidi",
    "SCA": "Karzai Wardak Atmar Spanta Musharraf Zardari Gilani Kayani Qureshi Malik Singh "
    "Mukherjee Antony Rajapaksa Hasina Nazarbayev Karimov Bakiyev Rahmon Berdimuhamedov",
    "EAP": "Fukuda Aso Hatoyama Komura Ishiba Lee Yu Kim Hu Yang Liang Arroyo Teodoro Yudhoyono "
    "Sudarsono Abdullah Najib Hun Sen Thein Ma Samak Surayud",
    "AFR": "Obasanjo Yar'Adua Kibaki Odinga Museveni Kagame Kabila Mugabe Zuma Mbeki Wade Toure "
    "Kufuor Sirleaf Bashir Meles Kikwete Biya Deby Tandja Banda Guebuza",
}
FIRST = {region: names.split() for region, names in FIRST_NAMES.items()}
LAST = {region: names.split() for region, names in LAST_NAMES.items()}
US_SURNAMES = (
    "NEALON STRUBLE MCKINLEY BROWNFIELD GOLDBERG URS WOOD CRONIN PATTERSON CROCKER RICCIARDONE "
    "SCOBEY FORD EIKENBERRY WILSON SHAPIRO GARZA SOBEL KUBISKE SIMONS FEELEY LLORENS GLAZER "
    "NEGROPONTE BRENNAN HODGES BURNS RUSSELL GREEN FRIEDMAN MARTINEZ DONNELLY KING ADAMS PASCUAL "
    "TILLEMANN HUDDLESTON MCMULLEN DERSE FOWLER GNEHM FELTMAN DALEY TEFFT HILL WELLS STEPHENS "
    "LEBARON SCHIEFFER ERDMAN PIERCE BOUCHER MORIARTY BOYCE MULFORD ROEMER BENSON SISON"
).split()
SECRETARIES = [  # (first day in office, surname): STATE cables go out over the Secretary's name
    (dt.date(1982, 7, 16), "SHULTZ"), (dt.date(1989, 1, 25), "BAKER"),
    (dt.date(1992, 8, 23), "EAGLEBURGER"), (dt.date(1993, 1, 20), "CHRISTOPHER"),
    (dt.date(1997, 1, 23), "ALBRIGHT"), (dt.date(2001, 1, 20), "POWELL"),
    (dt.date(2005, 1, 26), "RICE"), (dt.date(2009, 1, 21), "CLINTON"),
]
US_INITIALS = "ABCDEFGHJKLMNPRSTW"

# --- Vocabulary -----------------------------------------------------------------------------
# Pools of phrases by slot name. Region-specific pools are keyed "slot:REGION" and
# country-specific ones "slot:TAG"; the most specific one wins.
POOLS: dict[str, list[str]] = {
    "ministry": [
        "Ministry of Defense", "Ministry of Interior", "Ministry of Foreign Affairs",
        "National Police", "Joint Command of the Armed Forces", "Navy", "Army", "Air Force",
        "Attorney General's Office", "Ministry of Justice", "customs service",
        "Financial Intelligence Unit", "intelligence service", "Coast Guard", "Ministry of Finance",
        "Office of the President", "national drug control agency",
    ],
    "title": [
        "Minister of Defense", "Vice Minister of Defense", "Interior Minister", "Foreign Minister",
        "Vice Minister for Policy", "Chief of the Joint Command", "Army Commander",
        "Navy Commander",
        "Director of the National Police", "Attorney General", "National Security Advisor",
        "MFA Director for North America", "Vice Minister of Interior", "Presidential Advisor",
        "Air Force Commander", "Director of Counterterrorism", "Drug Czar", "Senator",
    ],
    "usofficial": [
        "the Ambassador", "the DCM", "PolCouns", "Poloff", "PolMilOff", "the Defense Attache",
        "the MILGRP Commander", "the NAS Director", "the DEA Country Attache", "the RSO",
        "EconCouns", "the Charge", "visiting A/S", "the Legal Attache", "the ODC Chief",
    ],
    "usofficial:EUR": [
        "the Ambassador", "the DCM", "PolCouns", "Poloff", "PolMilOff", "the Defense Attache",
        "the ODC Chief", "the RSO", "EconCouns", "the Charge", "the Legal Attache",
    ],
    "agency": [
        "DEA", "the FBI", "DHS", "the Coast Guard", "SOUTHCOM",
        "the Joint Interagency Task Force-South",
        "INL", "the Treasury Department", "USAID", "the Department of Defense", "ICE",
    ],
    "agency:NEA": ["CENTCOM", "the FBI", "DHS", "the Treasury Department", "USAID", "MNF-I", "DoD"],
    "agency:SCA": ["CENTCOM", "ISAF", "the FBI", "DEA", "USAID", "the Treasury Department", "DoD"],
    "agency:EUR": ["EUCOM", "the FBI", "DHS", "the Treasury Department", "DoD", "the Coast Guard"],
    "agency:AFR": ["AFRICOM", "EUCOM", "the FBI", "USAID", "the Treasury Department", "DoD"],
    "agency:EAP": ["PACOM", "the FBI", "DHS", "USAID", "the Treasury Department",
                   "the Coast Guard"],
    "group": ["criminal gangs", "local criminal organizations", "smuggling networks"],
    "group:AND": ["the FARC", "the ELN", "drug trafficking organizations", "criminal gangs"],
    "group:PE": ["Shining Path", "Sendero Luminoso", "drug trafficking organizations"],
    "group:CO": ["the FARC", "the ELN", "new illegal armed groups", "the Black Eagles"],
    "group:WHA": ["transnational gangs", "drug trafficking organizations", "the maras"],
    "group:MX": ["the Sinaloa cartel", "the Gulf cartel", "the Zetas", "La Familia Michoacana"],
    "group:GT": ["the Zetas", "MS-13", "the 18th Street gang"],
    "group:HO": ["MS-13", "the 18th Street gang", "drug trafficking organizations"],
    "group:ES": ["MS-13", "the 18th Street gang"],
    "group:BR": ["the PCC", "drug trafficking factions", "Hizballah sympathizers"],
    "group:NEA": ["al-Qaida", "AQ-affiliated extremists", "foreign fighters", "smuggling networks"],
    "group:IZ": ["al-Qaida in Iraq", "Jaysh al-Mahdi", "Special Groups", "Ansar al-Sunna"],
    "group:LE": ["Hizballah", "Fatah al-Islam", "armed Palestinian factions"],
    "group:IS": ["Hamas", "Palestinian Islamic Jihad", "Hizballah"],
    "group:KWBG": ["Hamas", "Palestinian Islamic Jihad"],
    "group:YM": ["AQAP", "the Houthis", "al-Qaida"], "group:SA": ["AQAP", "al-Qaida"],
    "group:AG": ["AQIM"], "group:MR": ["AQIM"], "group:ML": ["AQIM", "Tuareg rebels"],
    "group:NG": ["AQIM", "Tuareg rebels"], "group:EG": ["Islamic extremists", "smuggling networks"],
    "group:SCA": ["extremist groups", "the Taliban", "al-Qaida", "militant groups"],
    "group:AF": ["the Taliban", "the Haqqani network", "Hizb-e-Islami Gulbuddin"],
    "group:PK": ["Tehrik-e-Taliban", "Lashkar-e-Tayyiba", "al-Qaida", "the Taliban"],
    "group:IN": ["Lashkar-e-Tayyiba", "Maoist insurgents", "the Indian Mujahideen"],
    "group:UZ": ["the Islamic Movement of Uzbekistan", "Hizb ut-Tahrir"],
    "group:KG": ["the Islamic Movement of Uzbekistan", "Hizb ut-Tahrir"],
    "group:TI": ["the Islamic Movement of Uzbekistan", "Hizb ut-Tahrir"],
    "group:CE": ["the LTTE"], "group:NP": ["the Maoists"], "group:BG": ["JMB", "HuJI-B"],
    "group:EAP": ["extremist groups", "Jemaah Islamiyah", "insurgents"],
    "group:RP": ["the Abu Sayyaf Group", "the New People's Army", "MILF breakaway units"],
    "group:ID": ["Jemaah Islamiyah", "Noordin Top's network"], "group:TH": ["southern insurgents"],
    "group:AFR": ["armed groups", "rebel militias", "AQIM", "al-Shabaab"],
    "group:KE": ["al-Shabaab", "criminal gangs"], "group:ET": ["al-Shabaab", "the ONLF"],
    "group:DJ": ["al-Shabaab"], "group:UG": ["the LRA", "the ADF"], "group:NI": ["MEND militants"],
    "group:SU": ["the Janjaweed", "JEM", "the LRA"],
    "group:CG": ["the FDLR", "the CNDP", "Mai Mai"],
    "group:EUR": ["organized crime groups", "Islamic extremists"],
    "group:TU": ["the PKK", "DHKP-C", "al-Qaida sympathizers"], "group:SP": ["ETA"],
    "group:RS": ["Chechen militants", "North Caucasus insurgents"],
    "group:GR": ["Revolutionary Struggle"],
    "drug": ["cocaine", "cocaine base", "marijuana", "heroin", "precursor chemicals",
             "synthetic drugs"],
    "drug:AND": ["cocaine", "cocaine base", "coca leaf", "cocaine hydrochloride", "coca paste"],
    "drug:SCA": ["opium", "heroin", "hashish", "precursor chemicals"],
    "drug:EAP": ["methamphetamine", "heroin", "ecstasy", "precursor chemicals"],
    "place": ["the border region", "the capital", "the northern provinces", "the south",
              "the coastal region", "the interior", "the east", "rural areas", "the highlands"],
    "place:PE": ["the VRAE", "the Upper Huallaga valley", "Ayacucho", "the Putumayo",
                 "the northern coast", "Tingo Maria", "Cusco", "Huancavelica", "Junin", "Puno",
                 "the Apurimac valley"],
    "place:CO": ["Putumayo", "Narino", "Meta", "the Macarena", "Cauca", "Antioquia", "Arauca",
                 "Guaviare", "the Uraba region", "Catatumbo", "the Pacific coast"],
    "place:BL": ["the Chapare", "the Yungas", "Santa Cruz", "Cochabamba", "the Beni", "Pando"],
    "place:EC": ["Sucumbios", "the northern border", "Esmeraldas", "Manta", "Carchi"],
    "place:VE": ["Zulia", "Tachira", "Apure", "the Colombian border", "Margarita Island"],
    "place:MX": ["Ciudad Juarez", "Sinaloa", "Michoacan", "Tamaulipas", "Tijuana", "Chihuahua"],
    "place:GT": ["the Peten", "Huehuetenango", "the Mexican border", "Izabal"],
    "place:HO": ["the Mosquitia", "Olancho", "Colon", "the Bay Islands"],
    "place:BR": ["the tri-border area", "the Amazon", "Rio de Janeiro's favelas", "Sao Paulo"],
    "place:PA": ["the tri-border area", "Ciudad del Este", "the Chaco"],
    "place:IZ": ["Anbar", "Ninewa", "Diyala", "Basrah", "Kirkuk", "Salah ad-Din", "Sadr City"],
    "place:AF": ["Helmand", "Kandahar", "Kunar", "Paktika", "Nangarhar", "Herat", "Khost"],
    "place:PK": ["the FATA", "the NWFP", "Swat", "Balochistan", "South Waziristan", "Bajaur"],
    "place:IN": ["Jammu and Kashmir", "the northeast", "Chhattisgarh", "Mumbai"],
    "place:RP": ["Mindanao", "Sulu", "Basilan", "the Visayas"],
    "place:ID": ["Aceh", "Papua", "Central Sulawesi", "Poso"],
    "place:TH": ["the southern provinces", "Narathiwat", "Yala", "Pattani"],
    "place:LE": ["the Bekaa valley", "south Lebanon", "the Nahr al-Barid camp"],
    "place:EG": ["the Sinai", "Upper Egypt", "the Gaza border"],
    "place:YM": ["Marib", "Sa'ada", "Abyan", "Shabwa"],
    "place:TU": ["the southeast", "Hakkari", "Diyarbakir", "Sirnak"],
    "place:RS": ["the North Caucasus", "Chechnya", "Dagestan", "Ingushetia"],
    "place:NI": ["the Niger Delta", "Rivers State", "Kano", "Bayelsa"],
    "place:SU": ["Darfur", "South Sudan", "Abyei", "Southern Kordofan"],
    "place:CG": ["North Kivu", "South Kivu", "Ituri", "Katanga"],
    "place:KE": ["the North Eastern Province", "Mombasa", "the Rift Valley"],
    "place:CE": ["the north", "the Eastern Province", "Jaffna", "Kilinochchi"],
    "port": ["the main container port", "the international airport", "the Pacific port",
             "the free trade zone", "the northern border crossing"],
    "port:PE": ["Callao", "Paita", "Jorge Chavez airport"],
    "port:CO": ["Buenaventura", "Cartagena", "Barranquilla", "Santa Marta"],
    "port:EC": ["Guayaquil", "Manta", "Esmeraldas"],
    "port:WHA": ["Manzanillo", "Lazaro Cardenas", "Puerto Cortes", "Colon", "Puerto Quetzal"],
    "program": [
        "International Military Education and Training (IMET)", "Foreign Military Financing (FMF)",
        "Section 1206", "Antiterrorism Assistance (ATA)", "Export Control and Related Border "
        "Security (EXBS)", "INL-funded police training",
        "Global Peace Operations Initiative (GPOI)",
        "Excess Defense Articles (EDA)", "State Partnership Program",
    ],
    "program:AND": ["Andean Counterdrug Initiative", "NAS-funded eradication", "NAS aviation",
                    "IMET", "Section 1004 counter-narcotics", "aviation support"],
    "program:WHA": ["Merida Initiative", "IMET", "FMF", "Section 1206", "Enduring Friendship",
                   "CARSI", "State Partnership Program", "WHINSEC scholarship"],
    "program:AFR": ["ACOTA", "IMET", "GPOI", "Section 1206", "Trans-Sahara Counterterrorism "
                   "Partnership", "Africa Partnership Station"],
    "pko": ["MINUSTAH in Haiti", "UNIFIL in Lebanon", "UNMIS in Sudan", "MONUC in the Congo",
            "UNMIL in Liberia", "UNOCI in Cote d'Ivoire", "UNFICYP in Cyprus", "UNDOF on the Golan",
            "ISAF in Afghanistan", "KFOR in Kosovo", "AMISOM in Somalia", "UNAMID in Darfur"],
    "platform": ["patrol boats", "UH-1H helicopters", "C-130 transport aircraft", "F-16 fighters",
                 "Black Hawk helicopters", "night vision devices", "coastal radars",
                 "armored vehicles", "Super Tucano aircraft", "communications systems"],
    "unit": ["special operations units", "the counterterrorism battalion", "naval infantry",
             "mobile police units", "the vetted investigative unit", "border police",
             "the rapid reaction force", "military engineers", "the coast guard"],
    "exercise": ["UNITAS", "PANAMAX", "Fuerzas Comando", "Tradewinds"],
    "exercise:EAP": ["Balikatan", "Cobra Gold", "Khaan Quest", "Talisman Saber"],
    "exercise:AFR": ["Flintlock", "Africa Endeavor", "Natural Fire"],
    "exercise:NEA": ["Eager Lion", "Bright Star", "African Lion"],
    "exercise:EUR": ["Sea Breeze", "BALTOPS", "Combined Endeavor"],
    "exercise:SCA": ["Regional Cooperation", "Steppe Eagle", "Inspired Gambit"],
    "sector": ["mining", "natural gas exports", "agricultural exports", "remittances",
               "construction", "tourism", "oil revenues", "textiles", "services"],
    "quote_threat": ["a cancer", "the main threat to the state", "a war without quarter",
                     "a regional problem that needs a regional answer", "the new threats",
                     "a shared responsibility", "narco-terrorism"],
    "quote_partner": ["a strategic partner", "a reliable ally", "a key partner in the region",
                      "a friend in a difficult neighborhood"],
    "quote_dismiss": ["political theater", "baseless", "irresponsible", "pure speculation",
                      "an old story"],
    "threat": ["medium", "high", "critical", "low"],
    "training": ["military training", "training", "combined training", "professional military "
                 "education", "joint training", "officer training"],
    "sales": ["arms sales", "Foreign Military Sales", "defense sales", "direct commercial sales"],
    "sigpath": [r"MOD\PLANS\2008\FINAL.DOC", r"S:\POL\MIL\TALKING POINTS.DOC",
                r"C:\NAS\ERADICATION\REPORT.XLS"],
    "heading": [
        "Background", "Discussion", "Next Steps", "Bilateral Cooperation", "Security Situation",
        "Regional Issues", "Political Context", "Requests for Assistance", "Legislative Outlook",
        "Way Ahead", "Funding", "A Multi-Faceted Approach", "Wish List",
    ],
}

# Sentence templates by topic. {slot} is filled from POOLS or the cable's own values.
TEMPLATES: dict[str, list[str]] = {
    "narcotics": [
        "{official} told {usofficial} that drug trafficking remains the principal threat to "
        "security in {place}, where {group} and local gangs compete for control of {drug} routes.",
        "According to {ministry} figures, security forces seized {tons} metric tons of {drug} in "
        "the first {n} months of {year}, an increase of {pct} percent over the same period of "
        "{lastyear}.",
        "The {gov} has asked for additional counter-narcotics assistance, including helicopters, "
        "communications equipment and training for {unit}.",
        "{usofficial} noted that USG counternarcotics funding for {country} is likely to remain "
        "flat in FY{fy} and urged the {gov} to assume a greater share of operating costs.",
        "Interdiction at {port} has improved since {agency} began sharing information with the "
        "{ministry}, but inspections still cover less than {pct} percent of outbound cargo.",
        "{official} acknowledged that corruption in the {ministry} has undermined several recent "
        "drug trafficking investigations.",
        "The {program} program remains the centerpiece of our bilateral cooperation on "
        "counter-narcotics and the rule of law.",
        "Post will continue to press the {gov} to pass the pending money laundering legislation "
        "and to give its Financial Intelligence Unit the resources it needs.",
        "{official} said that drug trafficking and the violence that accompanies it have become "
        "the top concern of voters in {place}.",
        "The {adj} Congress has so far failed to approve the asset forfeiture law, which would "
        "allow the state to seize the proceeds of drug trafficking.",
        "Joint operations with {agency} led to the arrest of {n} mid-level traffickers in {place} "
        "on {date}.",
    ],
    "narcotics:AND": [
        "Manual eradication of coca in {place} reached {num} hectares by {month}, although growers "
        "have replanted in many areas cleared last year.",
        "Eradication teams working in {place} came under fire on {date}, and {n} police "
        "officers were wounded.",
        "The riverine program, which trains {adj} naval infantry to interdict drug shipments on "
        "the rivers of the Amazon basin, suffers from a lack of spare parts and fuel.",
        "Officials estimate that coca cultivation in {place} rose {pct} percent last year, driven "
        "by high prices for cocaine base.",
        "{official} said the government would not accept forced coca eradication in {place} "
        "without alternative development programs for the growers.",
        "The {gov} has modeled its plans for {place} on Plan Colombia, combining interdiction "
        "with investment in roads, schools and clinics.",
    ],
    "narcotics:PE": [
        "Shining Path remnants in the VRAE have allied themselves with drug trafficking "
        "organizations and provide armed protection for shipments of cocaine base.",
        "{official} said the armed forces will open {n} new counterterrorism bases in the VRAE "
        "(the Apurimac and Ene river valleys) under Plan VRAE.",
        "Sendero Luminoso columns in the Upper Huallaga continue to attack police patrols and "
        "coca eradication teams.",
        "The VRAE produces more than half of Peru's cocaine, and the state is all but absent "
        "from many of its villages.",
        "Coca growers in the Upper Huallaga staged a {n}-day strike to protest coca eradication, "
        "blocking the highway to Tingo Maria.",
    ],
    "narcotics:CO": [
        "Plan Colombia funding has allowed the Colombian military to push the FARC out of much "
        "of {place}, but the Colombian Army remains thinly spread.",
        "Aerial and manual eradication together covered {num} hectares in {year}, according to "
        "the Colombian National Police.",
        "{official} argued that the nationalization of Plan Colombia programs must be gradual if "
        "the gains of the last decade are to be sustained.",
        "The riverine brigade of the Colombian Navy intercepted {n} go-fast boats on the Pacific "
        "coast during {month}.",
    ],
    "terrorism": [
        "The {gov} remains a committed partner in the fight against terrorism, and {official} "
        "reiterated his government's support for regional counterterrorism cooperation.",
        "{ministry} officials told {usofficial} they had detained {n} suspected members of "
        "{group} in {place} on {date}.",
        "The Antiterrorism Assistance (ATA) program has trained more than {num} {adj} police "
        "officers in crisis response, VIP protection and explosive incident countermeasures.",
        "{official} expressed concern that {group} were using {place} for recruitment, "
        "financing and logistics.",
        "The draft counterterrorism law would criminalize terrorist financing for the first time, "
        "but opposition legislators have stalled the bill in committee.",
        "We continue to urge the {gov} to treat {group} as a terrorist organization and to freeze "
        "the assets of its supporters.",
        "The Regional Security Officer rates the threat of terrorism against U.S. interests in "
        "{capital} as {threat}.",
        "Prosecutions for terrorism remain rare, and {adj} judges have released several suspects "
        "for lack of evidence.",
        "{official} described the threat from {group} as \"{quote_threat},\" and said terrorism "
        "and organized crime now feed each other.",
        "{agency} and the {ministry} have agreed to share terrorist screening information under "
        "HSPD-6.",
        "Attacks attributed to {group} killed {n} soldiers and police in {place} during {month}.",
    ],
    "terrorism:PE": [
        "Shining Path has killed {n} soldiers and police in the VRAE since the start of {year}, "
        "the worst toll in more than a decade.",
        "{official} warned that Shining Path is trying to rebuild its political front among "
        "students and coca growers.",
    ],
    "terrorism:CO": [
        "The FARC still holds hostages, and {official} said the government would not negotiate "
        "a humanitarian exchange under terrorist pressure.",
    ],
    "peacekeeping": [
        "{country} currently deploys {num} troops to {pko}, and {official} said the government "
        "intends to increase its contribution next year.",
        "The Global Peace Operations Initiative (GPOI) has funded training and equipment for {n} "
        "{adj} peacekeeping battalions since {year0}.",
        "{official} asked whether the USG could help fund the {adj} peacekeeping training center, "
        "which now trains officers from {n} countries.",
        "{adj} peacekeepers serving with {pko} have been praised for their discipline, although "
        "the contingent lacks armored vehicles and night vision equipment.",
        "The MFA confirmed that the {gov} would support renewal of the mandate of {pko} when it "
        "comes before the Security Council.",
        "{official} said that peacekeeping gives the armed forces a modern mission and valuable "
        "operational experience.",
        "Congress must authorize each deployment of peacekeeping troops abroad, and the vote on "
        "the {pko} rotation is expected in {month}.",
    ],
    "milcoop": [
        "{usofficial} and {official} discussed {training} for {adj} officers under the "
        "IMET program, which totals {money} this fiscal year.",
        "The {ministry} requested additional slots for {adj} officers at U.S. staff colleges and "
        "at the Inter-American Defense College.",
        "A {n}-member U.S. Special Forces team conducted a JCET with {adj} {unit} in "
        "{place} from {date} to {date2}.",
        "The bilateral working group on defense cooperation will meet in {capital} in {month} to "
        "review joint exercises, training and the status of FMF cases.",
        "{official} stressed that the {adj} armed forces value their military-to-military "
        "relationship with the United States above that with any other partner.",
        "Section 1206 funding will provide the {ministry} with patrol boats, radios and "
        "maintenance training to improve maritime security.",
        "The {exercise} exercise brought together {num} personnel from {n} countries and included "
        "a humanitarian assistance phase.",
        "The {adj} military hopes to expand its training with U.S. forces, but the Article "
        "98 restrictions on IMET and FMF remain an irritant.",
        "{official} thanked {usofficial} for the {program} program and asked that it continue at "
        "current levels.",
        "The MILGRP is working with the {ministry} on a plan to sustain the aircraft delivered "
        "under the {program} program.",
    ],
    "milcoop:AND": [
        "The {gov} wants to re-establish the bilateral riverine program, which lapsed in {year0}.",
    ],
    "arms": [
        "{official} said the {gov} is evaluating bids for {platform}, and that U.S. firms are "
        "competing against Russian, Chinese and European suppliers.",
        "Post urges Washington to expedite notification of the proposed {sales} of "
        "{platform}, which the {ministry} hopes to receive by {nextyear}.",
        "The {gov} has agreed to an end-use monitoring visit for U.S.-origin {platform}.",
        "Russian and Chinese weapons deals in the region are a growing concern, and {official} "
        "acknowledged that price, not politics, drives his government's choices.",
        "The EXBS program has provided radiation detection equipment and training at {port}.",
        "{official} reaffirmed {country}'s support for the Proliferation Security Initiative.",
        "We delivered the demarche on small arms and light weapons to {official}, who promised "
        "a formal response by {month}.",
        "{sales} to {country} remain subject to the usual congressional notification, and "
        "{usofficial} cautioned against unrealistic timelines.",
    ],
    "demining": [
        "The humanitarian demining program has cleared {num} square meters along the border "
        "since {year0}, and {n} mined areas remain.",
        "{official} requested additional support for demining, noting that landmines still kill "
        "or injure civilians in {place} every year.",
        "The OAS-coordinated demining effort in {country} depends on donor funding, which runs "
        "out in {month} {nextyear}.",
        "{adj} military engineers trained in humanitarian demining have also deployed with {pko}.",
    ],
    "politics": [
        "President {leader}'s approval rating fell to {pct} percent in the latest poll, "
        "reflecting frustration with crime and the slow pace of reform.",
        "Opposition leaders accused the government of using the security forces for political "
        "ends, a charge {official} dismissed as \"{quote_dismiss}.\"",
        "The governing coalition holds {pct} percent of the seats in Congress but has struggled "
        "to keep its members in line on security legislation.",
        "Regional elections are scheduled for {month} {nextyear}, and {official} expects the "
        "ruling party to lose ground in {place}.",
        "{official} told {usofficial} that the cabinet reshuffle would not change the "
        "government's security policy.",
        "Relations between the {gov} and {neighbor} remain tense after the incident in {place}.",
        "Social conflicts over mining and land in {place} have claimed {n} lives this year.",
    ],
    "economy": [
        "GDP grew {growth} percent in {lastyear}, driven by {sector}, and inflation remains under "
        "control.",
        "{official} said the free trade agreement with the United States is the government's top "
        "economic priority.",
        "Poverty remains above {pct} percent in {place}, where the state offers few services.",
        "The {gov} plans to spend {money} on roads, power and water in {place} over the next "
        "{n} years.",
        "Investors cite insecurity and the weak judiciary as the main obstacles to doing "
        "business in {country}.",
    ],
    "rights": [
        "Human rights groups accuse the security forces of extrajudicial killings in {place}, "
        "and {official} promised that the cases would be investigated.",
        "Leahy vetting of {unit} has delayed the start of the training by {n} weeks.",
        "The reform of military justice remains stalled in Congress.",
        "Trafficking in persons remains a serious problem in {place}, and prosecutions are rare.",
        "{official} said the government would cooperate fully with the UN Special Rapporteur.",
    ],
    "rights:WHA": [
        "{official} said the government would cooperate fully with the Inter-American Commission "
        "on Human Rights.",
    ],
    "rights:AND": [
        "{official} said the government would cooperate fully with the Inter-American Commission "
        "on Human Rights.",
    ],
    "generic": [
        "{usofficial} thanked {official} for the {gov}'s cooperation and said Washington would "
        "follow up through the appropriate channels.",
        "The meeting lasted about {n}0 minutes and was cordial throughout.",
        "We will report further developments septel.",
        "{official} agreed, but cautioned that the government's resources are limited.",
        "{interlocutor_last} said that the {gov} counts on continued U.S. support.",
        "{interlocutor_last} noted that the {ministry} would present its proposal to the "
        "President in {month}.",
        "The {adj} press has given the issue wide coverage, much of it critical of the government.",
        "{usofficial} underlined that the United States sees {country} as {quote_article}.",
        "On {date}, {usofficial} met {official} to review the bilateral agenda.",
        "The {ministry} has yet to respond to our diplomatic note of {date}.",
        "{official} added that the {gov} would welcome a visit by {agency} officials in {month}.",
    ],
    "comment": [
        "{interlocutor_last}'s remarks reflect a genuine shift in the {gov}'s thinking, but "
        "implementation will be the real test.",
        "The {gov} deserves credit for its plans, but it has yet to fund most of them.",
        "We should continue to support the {program} program, which gives us access and "
        "influence with the {ministry}.",
        "{challenge} will remain the central security challenge for the {gov} for the "
        "foreseeable future.",
        "Post recommends that Washington respond favorably to the request, within available "
        "resources.",
        "Much will depend on whether the {ministry} can overcome its own bureaucratic inertia.",
        "We see an opening here that we should not let pass.",
        "{interlocutor_last} is a serious interlocutor who has delivered on past promises.",
        "The {gov}'s requests are modest, and meeting them would pay dividends well beyond "
        "their cost.",
    ],
    "bullet": [
        "-- the {ministry} will lead the effort in {place};",
        "-- {agency} will provide training for {unit};",
        "-- the {gov} will commit {money} to the program;",
        "-- a working group will meet again in {month};",
        "-- the two sides will review progress at the next bilateral talks;",
    ],
}

# Statements that can stand alone or follow an attribution ("X told Y that ..."). They
# start in lower case where a frame needs it; a sentence's first letter is raised anyway.
FACTS: dict[str, list[str]] = {
    "narcotics": [
        "drug trafficking organizations have shifted their routes toward {place} as pressure "
        "has increased elsewhere",
        "the {ministry} lacks the helicopters and fuel to sustain operations in {place} for more "
        "than a few days at a time",
        "local authorities in {place} are widely believed to be on the payroll of traffickers",
        "the number of clandestine airstrips in {place} has grown to more than {n}0",
        "the price of {drug} in {place} has fallen by {pct} percent, a sign of abundant supply",
        "the vetted unit trained by DEA has carried out {n} major operations this year",
        "domestic consumption of drugs, once negligible, is rising among urban youth",
        "prosecutors secured convictions in fewer than {pct} percent of drug trafficking cases "
        "last year",
        "the counter-narcotics police are understaffed, with only {num} officers nationwide",
        "maritime interdiction has improved since the navy began receiving information from "
        "{agency}",
        "traffickers increasingly use semi-submersibles and go-fast boats to move {drug}",
        "the new drug czar has promised a national strategy by {month}",
    ],
    "narcotics:AND": [
        "coca eradication in {place} has been met with road blockades by coca grower unions",
        "alternative development programs have reached {num} families in {place}",
        "the police have too few boats to patrol the rivers of {place}",
        "the government's coca eradication target for {year} is {num} hectares",
    ],
    "narcotics:PE": [
        "the VRAE remains the least governed part of the country",
        "Shining Path columns charge traffickers a fee for every shipment that leaves the VRAE",
        "the police have too few officers to hold ground in the VRAE after the military withdraws",
    ],
    "terrorism": [
        "{group} have not carried out a major attack in {capital} since {year0}",
        "the {ministry} has set up a new counterterrorism unit with {num} members",
        "border controls remain weak and travelers with false documents cross with little scrutiny",
        "financing for {group} comes largely from extortion and kidnapping",
        "the intelligence services do not share information with the police as a matter of course",
        "the country is a transit point for extremists moving to and from {place}",
        "the government has frozen the assets of {n} individuals on the UN 1267 list",
        "the threat of terrorism has led to tighter security at the airport and at {port}",
        "{group} recruit in poor neighborhoods and in prisons",
        "the counterterrorism law does not yet meet international standards",
        "the security forces have improved their capacity to respond to terrorist incidents",
        "cooperation on terrorism with neighboring states has improved markedly since {year0}",
    ],
    "peacekeeping": [
        "{adj} troops have served in UN peacekeeping operations since the early 1990s",
        "the peacekeeping training center graduated {num} students last year",
        "the armed forces see peacekeeping as a way to build professionalism and public standing",
        "the rotation of the {adj} contingent in {pko} is due in {month}",
        "the UN still owes the {gov} {money} in reimbursements for troops and equipment",
        "the {gov} is considering a contribution of engineers or a field hospital to {pko}",
    ],
    "milcoop": [
        "the {adj} armed forces are in the middle of a modernization program funded by a special "
        "tax on {sector}",
        "{training} with U.S. forces remains the most valued part of the relationship",
        "the defense budget for {nextyear} rises by {pct} percent, most of it for salaries",
        "the navy's patrol boats are more than thirty years old and often out of service",
        "a new defense white paper will be published by {month}",
        "the MILGRP has {n} personnel and manages {num} training slots a year",
        "officers who trained in the United States now hold most senior commands",
        "the military is stretched between internal security missions and border defense",
        "the {exercise} exercise will take place off the coast in {month}",
        "the State Partnership Program has linked the {adj} military with a U.S. National Guard",
    ],
    "arms": [
        "the {ministry} is looking at used {platform} from several European suppliers",
        "the budget for acquisitions has doubled since {year0}",
        "end-use monitoring of U.S.-origin equipment has found no significant problems",
        "Russian deliveries to the region include helicopters, rifles and air defense systems",
        "Chinese weapons come with generous financing",
        "the {gov} has not yet ratified the UN Firearms Protocol",
        "the national arms registry lists more than {num} unregistered weapons recovered last year",
    ],
    "demining": [
        "demining along the border has cleared {num} mines since {year0}",
        "the {adj} army's demining unit has {num} trained deminers",
        "landmines have killed or injured {n}0 people in {place} since {year0}",
        "the Ottawa Convention deadline for clearing all known minefields is approaching",
    ],
    "politics": [
        "the President's party lost ground in the regional elections in {place}",
        "the cabinet has changed {n} times since {year0}",
        "the opposition has called for a censure vote against the {title}",
        "public confidence in the Congress and the judiciary remains low",
        "protests over water and land in {place} have turned violent",
        "the government has declared a state of emergency in {place}",
        "the President's popularity rests on strong economic growth and a tough line on crime",
        "relations with {neighbor} have improved since the two presidents met in {month}",
    ],
    "economy": [
        "exports of {sector} reached a record {money} last quarter",
        "unemployment stands at {growth} percent, higher still among the young",
        "the central bank expects growth of about {growth} percent in {nextyear}",
        "foreign investment in {sector} has grown quickly since {year0}",
        "the informal economy accounts for more than half of all jobs",
    ],
    "rights": [
        "the ombudsman received {num} complaints against the security forces last year",
        "human rights groups have documented {n}0 cases of torture in {place}",
        "the prisons hold {pct} percent more inmates than their capacity",
        "impunity for abuses committed in the conflict years remains a sore point",
    ],
}
FRAMES = [
    "{official} told {usofficial} that {fact}.", "According to {official}, {fact}.",
    "{official} noted that {fact}.", "{interlocutor_last} added that {fact}.",
    "In a meeting with {usofficial} on {date}, {official} said that {fact}.",
    "Embassy contacts report that {fact}.", "{usofficial} observed that {fact}.",
    "{official} conceded that {fact}.", "Press reports indicate that {fact}.",
    "{fact}, according to {ministry} officials.", "{fact}.", "{fact}.", "{fact}.",
]
GOV_ABBREVIATIONS = {
    "VM": "GVN", "CH": "PRC", "UK": "HMG", "KS": "ROKG", "VE": "BRV", "SCA": "SAG", "AE": "UAEG",
    "TW": "Taiwan authorities", "HK": "HKG", "KWBG": "PA", "AFR": "GIRoA", "IZ": "GOI",
    "JA": "GOJ", "RS": "GOR", "FR": "GOF", "GM": "German government", "IS": "GOI", "AJ": "GOAJ",
}

# Topic weights by region: what posts there mostly write about.
TOPIC_WEIGHTS = {
    "AND": {"narcotics": 30, "terrorism": 14, "milcoop": 14, "politics": 16, "economy": 8,
            "rights": 6, "peacekeeping": 3, "arms": 4, "demining": 2},
    "WHA": {"narcotics": 20, "terrorism": 10, "milcoop": 17, "politics": 20, "economy": 12,
           "rights": 7, "peacekeeping": 8, "arms": 5, "demining": 1},
    "NEA": {"terrorism": 30, "milcoop": 15, "politics": 22, "economy": 10, "arms": 10,
           "peacekeeping": 5, "rights": 6, "narcotics": 2, "demining": 1},
    "SCA": {"terrorism": 28, "milcoop": 16, "politics": 20, "narcotics": 12, "economy": 8,
           "arms": 6, "rights": 5, "peacekeeping": 3, "demining": 2},
    "EAP": {"terrorism": 14, "milcoop": 18, "politics": 22, "economy": 20, "arms": 9,
           "narcotics": 6, "rights": 6, "peacekeeping": 4, "demining": 1},
    "AFR": {"terrorism": 14, "milcoop": 14, "politics": 24, "economy": 12, "peacekeeping": 16,
           "rights": 10, "narcotics": 5, "arms": 4, "demining": 1},
    "EUR": {"terrorism": 16, "milcoop": 18, "politics": 24, "economy": 16, "arms": 10,
           "peacekeeping": 8, "rights": 4, "narcotics": 3, "demining": 1},
}
TOPIC_TAGS = {
    "narcotics": ["SNAR", "KCRM", "PGOV"], "terrorism": ["PTER", "ASEC", "KTFN"],
    "peacekeeping": ["KPKO", "MOPS", "UNSC"], "milcoop": ["MARR", "MASS", "MOPS"],
    "arms": ["PARM", "MASS", "ETTC"], "demining": ["MARR", "PREL", "EAID"],
    "politics": ["PGOV", "PREL", "PINR"], "economy": ["ECON", "ETRD", "EFIN"],
    "rights": ["PHUM", "KJUS", "KTIP"],
}
SUBJECTS = {
    "narcotics": [
        "{COUNTRY}: COUNTERNARCOTICS COOPERATION UPDATE",
        "{ADJ} POLICE SEIZE RECORD {DRUG} SHIPMENT IN {PLACE}",
        "DRUG TRAFFICKING AND VIOLENCE IN {PLACE}",
        "{COUNTRY}: {MONTH} NARCOTICS UPDATE",
        "{OFFICIAL} ON COUNTER-NARCOTICS STRATEGY",
    ],
    "terrorism": [
        "{COUNTRY}: COUNTERTERRORISM COOPERATION WITH THE {GOV}",
        "{OFFICIAL} ON THE THREAT FROM {GROUP}",
        "{ADJ} AUTHORITIES DETAIN TERRORISM SUSPECTS IN {PLACE}",
        "{COUNTRY}: TERRORISM FINANCE LAW STALLED",
    ],
    "peacekeeping": [
        "{COUNTRY}: PEACEKEEPING CONTRIBUTIONS AND GPOI",
        "{ADJ} TROOPS FOR {PKO}",
    ],
    "milcoop": [
        "MOD BRIEFS {VISITOR} ON PLANS TO ENHANCE INTERNAL SECURITY",
        "{COUNTRY}: DEFENSE COOPERATION WORKING GROUP",
        "{OFFICIAL} REQUESTS MORE MILITARY TRAINING",
        "SCENESETTER FOR THE VISIT OF {VISITOR} TO {COUNTRY}",
    ],
    "arms": [
        "{COUNTRY}: PROPOSED ARMS SALES OF {PLATFORM}",
        "DEMARCHE DELIVERED: SMALL ARMS AND LIGHT WEAPONS",
        "{COUNTRY}: END-USE MONITORING OF {PLATFORM}",
    ],
    "demining": ["{COUNTRY}: HUMANITARIAN DEMINING UPDATE", "DEMINING ALONG THE BORDER"],
    "politics": [
        "{COUNTRY}: POLITICAL ROUNDUP, {MONTH} {YEAR}",
        "{OFFICIAL} ON THE CABINET RESHUFFLE",
        "{COUNTRY}: SOCIAL CONFLICT IN {PLACE}",
    ],
    "economy": ["{COUNTRY}: ECONOMIC OUTLOOK FOR {NEXTYEAR}", "{COUNTRY}: FTA IMPLEMENTATION"],
    "rights": ["{COUNTRY}: HUMAN RIGHTS AND THE SECURITY FORCES", "{COUNTRY}: TIP UPDATE"],
}
# Section headings printed above a paragraph, by the cable's main topic.
TOPIC_HEADINGS = {
    "narcotics": ["Counternarcotics Cooperation", "Interdiction", "Eradication",
                  "Money Laundering"],
    "narcotics:PE": ["Plan VRAE", "Shining Path", "Coca Eradication",
                     "Putumayo, Huallaga, and Costa Norte"],
    "narcotics:CO": ["Plan Colombia", "The FARC", "Eradication and Interdiction"],
    "terrorism": ["Terrorism Threat", "Counterterrorism Cooperation", "Terrorist Financing"],
    "peacekeeping": ["Peacekeeping", "GPOI", "Deployments"],
    "milcoop": ["Military Training", "Defense Cooperation", "Exercises", "IMET and FMF"],
    "arms": ["Arms Sales", "Monitoring of U.S.-Origin Equipment", "Nonproliferation"],
    "demining": ["Humanitarian Demining", "Landmine Victims"],
    "politics": ["Political Outlook", "The Opposition", "Congress"],
    "economy": ["Economic Outlook", "Trade", "Investment Climate"],
    "rights": ["Human Rights", "Military Justice", "Trafficking in Persons"],
}
CHALLENGES = {"narcotics": "Drug trafficking", "terrorism": "Terrorism"}
VISITORS = ["SECRETARY GATES", "SOUTHCOM COMMANDER", "CODEL", "DEPUTY SECRETARY", "A/S SHANNON",
            "U/S BURNS", "ADMIRAL MULLEN", "DIRECTOR WALTERS"]
DC_ADDRESSEES = [
    ("RUEKJCS/SECDEF WASHDC", 5), ("RHEHNSC/NSC WASHDC", 4), ("RUEAIIA/CIA WASHDC", 4),
    ("RUEKJCS/JOINT STAFF WASHDC", 3), ("RHEFDIA/DIA WASHINGTON DC", 3),
    ("RUEABND/DEA HQS WASHINGTON DC", 2), ("RHMFIUU/FBI WASHINGTON DC", 1),
    ("RUEATRS/DEPT OF TREASURY WASHINGTON DC", 1), ("RUCPDOC/USDOC WASHDC", 1),
    ("RUEAHLC/DEPT OF HOMELAND SECURITY WASHINGTON DC", 1),
]
DC_CHOICE = weighted_from_pairs(DC_ADDRESSEES)
COCOMS = {
    "AND": "RUMIAAA/CDR USSOUTHCOM MIAMI FL", "WHA": "RUMIAAA/CDR USSOUTHCOM MIAMI FL",
    "NEA": "RUEKJCS/CDR USCENTCOM MACDILL AFB FL", "SCA": "RUEKJCS/CDR USCENTCOM MACDILL AFB FL",
    "EUR": "RHMFISS/HQ USEUCOM VAIHINGEN GE", "AFR": "RHMFISS/CDR USAFRICOM STUTTGART GE",
    "EAP": "RHHMUNA/CDR USPACOM HONOLULU HI",
}
BUREAUS = {"AND": "WHA/AND", "WHA": "WHA/CEN", "NEA": "NEA", "SCA": "SCA", "EAP": "EAP",
           "EUR": "EUR", "AFR": "AF"}
CLASSIFIERS = ["Ambassador", "Charge d'Affaires", "DCM", "Political Counselor", "PolMilOff",
               "Acting DCM", "Economic Counselor", "Deputy Political Counselor"]


# fmt: on


# "¶1. (C) ", "1. (C) " or "1.(C) ": how paragraphs start, the pilcrow most often.
PARAGRAPH_PREFIXES = ("\u00b6{n}. ({m}) ", "{n}. ({m}) ", "{n}.({m}) ")


# --- Text helpers ---------------------------------------------------------------------------


def wrap(text: str, width: int, trailing: bool) -> list[str]:
    """Greedy wrap at spaces; no line starts with a digit (it would read as a paragraph number)."""
    lines = []
    start, length = 0, len(text)
    while length - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        while cut > start and text[cut + 1 : cut + 2].isdigit():
            cut = text.rfind(" ", start, cut)
        if cut <= start:
            cut = text.find(" ", start + width)
            if cut < 0:
                break
        lines.append(text[start : cut + 1] if trailing else text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    return lines


def capitalize(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence else sentence


def crc(*parts: object) -> int:
    """A process-independent hash (str hashes are salted per process)."""
    return zlib.crc32("|".join(map(str, parts)).encode())


# --- One cable ------------------------------------------------------------------------------


@dataclass(slots=True)
class Cable:
    internal_id: int
    created: dt.datetime
    identifier: str
    origin: str
    classification: str
    references: list[str]
    header: str
    body: str
    # What the text was written to say, for tests against the parser.
    subject: str = ""
    tags: list[str] = field(default_factory=list)
    markings: list[str] = field(default_factory=list)
    headings: dict[int, str] = field(default_factory=dict)
    signature: str = ""
    paragraphs: list[str] = field(default_factory=list)  # each numbered paragraph's text, as written

    def row(self) -> list[str]:
        return [
            str(self.internal_id),
            self.created.strftime("%m/%d/%Y %H:%M"),
            self.identifier,
            self.origin,
            self.classification,
            "|".join(self.references),
            self.header,
            self.body,
        ]


class Slots:
    """The mapping `str.format_map` fills a template from: fixed values, then fresh picks."""

    __slots__ = ("fixed", "rng", "pools")

    def __init__(self, fixed: dict[str, str], rng: random.Random, pools: dict[str, list[str]]):
        self.fixed = fixed
        self.rng = rng
        self.pools = pools

    def __getitem__(self, key: str) -> str:
        value = self.fixed.get(key)
        if value is not None:
            return value
        pick = PICKERS.get(key)
        if pick is not None:
            return pick(self)
        return choose(self.rng, self.pools[key])


def choose(rng: random.Random, items):
    """rng.choice without its rejection sampling: one random() call, several times faster."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint(low, high), with one random() call."""
    return low + int(rng.random() * (high - low + 1))


def _num(s: Slots) -> str:
    return f"{between(s.rng, 12, 2400):,}"


def _pct(s: Slots) -> str:
    return str(between(s.rng, 3, 85))


def _money(s: Slots) -> str:
    return f"${between(s.rng, 1, 95)}.{between(s.rng, 0, 9)} million"


def _date(s: Slots) -> str:
    return f"{s.fixed['month']} {between(s.rng, 1, 28)}"


def _official(s: Slots) -> str:
    return choose(s.rng, s.fixed["cast"])


def _tons(s: Slots) -> str:
    return f"{between(s.rng, 1, 40)}.{between(s.rng, 0, 9)}"


def _growth(s: Slots) -> str:
    return f"{between(s.rng, 1, 9)}.{between(s.rng, 0, 9)}"


def _small(s: Slots) -> str:
    return str(between(s.rng, 2, 9))


PICKERS = {
    "growth": _growth,
    "tons": _tons,
    "num": _num,
    "pct": _pct,
    "money": _money,
    "date": _date,
    "date2": _date,
    "official": _official,
    "n": _small,
}


def pools_for(country: Country) -> dict[str, list[str]]:
    """POOLS with the region's and then the country's own lists laid over the general ones."""
    pools = {}
    for key, values in POOLS.items():
        if ":" not in key:
            pools[key] = values
    for key, values in POOLS.items():
        if key.endswith(":" + country.region):
            pools[key.split(":")[0]] = values
    for key, values in POOLS.items():
        if key.endswith(":" + country.tag):
            pools[key.split(":")[0]] = values
    return pools


POOLS_CACHE: dict[str, dict[str, list[str]]] = {}


def cached_pools(country: Country) -> dict[str, list[str]]:
    if country.tag not in POOLS_CACHE:
        POOLS_CACHE[country.tag] = pools_for(country)
    return POOLS_CACHE[country.tag]


def topic_templates(topic: str, country: Country) -> list[str]:
    """The topic's sentences plus those for the region and the country, which come up often."""
    key = (topic, country.tag)
    if key not in TEMPLATE_CACHE:
        region = TEMPLATES.get(f"{topic}:{country.region}", [])
        own = TEMPLATES.get(f"{topic}:{country.tag}", [])
        TEMPLATE_CACHE[key] = TEMPLATES[topic] + region + own * 2
    return TEMPLATE_CACHE[key]


TEMPLATE_CACHE: dict[tuple[str, str], list[str]] = {}


def topic_facts(topic: str, country: Country) -> list[str]:
    key = (topic, country.tag)
    if key not in FACT_CACHE:
        region = FACTS.get(f"{topic}:{country.region}", [])
        own = FACTS.get(f"{topic}:{country.tag}", [])
        FACT_CACHE[key] = FACTS[topic] + region + own * 2
    return FACT_CACHE[key]


FACT_CACHE: dict[tuple[str, str], list[str]] = {}


def person(rng: random.Random, region: str) -> str:
    return f"{rng.choice(FIRST[region])} {rng.choice(LAST[region])}"


def cast_for(rng: random.Random, country: Country, pools: dict[str, list[str]]) -> list[str]:
    """Two to four interlocutors, each with a title, who recur through the cable."""
    titles = rng.sample(pools["title"], rng.randint(2, 4))
    return [f"{title} {person(rng, country.region)}" for title in titles]


class CorpusGenerator:
    """Cables one after another; all state is bounded (serials per post/year, recent IDs)."""

    RECENT_PER_POST = 6
    RECENT_GLOBAL = 200
    NOT_IN_CORPUS = 0.12  # share of references to cables the corpus lacks

    def __init__(self, count: int, seed: int = 1):
        self.count = count
        self.rng = random.Random(seed)
        self.timeline = Timeline()
        self.serials: dict[tuple[str, int], int] = {}
        self.recent_by_post: dict[str, deque] = {}
        self.recent: deque = deque(maxlen=self.RECENT_GLOBAL)

    def __iter__(self) -> Iterator[Cable]:
        uniforms = sorted_uniforms(self.rng, self.count)
        for internal_id, u in enumerate(uniforms, 1):
            yield self.cable(internal_id, self.timeline.at(u))

    # -- identity

    def next_serial(self, post: Post, created: dt.datetime) -> int:
        """The post's serial number for the year: it tracks the time of year, as real ones do."""
        key = (post.code, created.year)
        fraction = (created.timetuple().tm_yday - 1 + created.hour / 24) / 366
        estimate = int(post.yearly * fraction * (0.97 + 0.06 * self.rng.random())) + 1
        serial = max(self.serials.get(key, 0) + 1, estimate)
        self.serials[key] = serial
        return serial

    def choose_references(self, post: Post, created: dt.datetime) -> list[tuple[str, str, int, int]]:
        """Mostly none; else one to four recent cables, usually of the same post, and now and
        then a cable the corpus lacks (as the release lacks many cables its cables cite)."""
        rng = self.rng
        if rng.random() > 0.42:
            return []
        wanted = rng.choice((1, 1, 1, 2, 2, 3, 4))
        own = self.recent_by_post.get(post.code)
        chosen = []
        for _ in range(wanted):
            if rng.random() < self.NOT_IN_CORPUS:
                ref = self.cable_not_in_corpus(post, created)
            else:
                pool = own if own and rng.random() < 0.7 else self.recent
                ref = rng.choice(pool) if pool else None
            if ref and ref not in chosen:
                chosen.append(ref)
        return chosen

    def cable_not_in_corpus(self, post: Post, created: dt.datetime) -> tuple[str, str, int, int]:
        """A cable of this post from one to three years back, with a serial number beyond any the
        corpus gives that year (they run up to about the post's yearly volume)."""
        year = created.year - self.rng.randint(1, 3)
        serial = 3 * post.yearly + self.rng.randint(1, 999)
        return (f"{year % 100:02d}{post.code}{serial}", post.banner, year, serial)

    def remember(self, post: Post, ref: tuple[str, str, int, int]) -> None:
        """Keep (identifier, banner, year, serial) for later cables to refer to; bounded."""
        own = self.recent_by_post.get(post.code)
        if own is None:
            own = self.recent_by_post[post.code] = deque(maxlen=self.RECENT_PER_POST)
        own.append(ref)
        self.recent.append(ref)

    # -- the cable

    def cable(self, internal_id: int, created: dt.datetime) -> Cable:
        rng = self.rng
        post = POST_CHOICE.pick(rng)
        country = post.country or SUBJECT_COUNTRY_CHOICE.pick(rng)
        classification = CLASSIFICATION_CHOICE.pick(rng)
        year = created.year
        serial = self.next_serial(post, created)
        identifier = f"{year % 100:02d}{post.code}{serial}"
        refs = self.choose_references(post, created)
        self.remember(post, (identifier, post.banner, year, serial))
        writer = CableWriter(rng, post, country, classification, created, serial, refs)
        body, intent = writer.body()
        return Cable(
            internal_id=internal_id,
            created=created,
            identifier=identifier,
            origin=post.origin,
            classification=classification.name,
            references=[r[0] for r in refs],
            header=writer.header(),
            body=body,
            **intent,
        )


class CableWriter:
    """The header and body of one cable: a main and a second topic, a cast of officials."""

    def __init__(
        self,
        rng,
        post: Post,
        country: Country,
        classification: Classification,
        created: dt.datetime,
        serial: int,
        refs,
    ):
        self.rng = rng
        self.post = post
        self.country = country
        self.classification = classification
        self.created = created
        self.serial = serial
        self.refs = refs
        self.pools = cached_pools(country)
        weights = TOPIC_WEIGHTS[country.region]
        topics = list(weights)
        self.topic, self.second = rng.choices(topics, weights=list(weights.values()), k=2)
        self.cast = cast_for(rng, country, self.pools)
        self.decks: dict[tuple[str, str], list[str]] = {}
        self.headings = (
            POOLS["heading"]
            + TOPIC_HEADINGS[self.topic] * 2
            + TOPIC_HEADINGS.get(f"{self.topic}:{country.tag}", []) * 3
        )
        self.slots = Slots(self.fixed_values(), rng, self.pools)

    def fixed_values(self) -> dict[str, str]:
        rng, country, year = self.rng, self.country, self.created.year
        month = MONTH_NAMES[self.created.month - 1]
        leader = rng.choice(LAST[country.region])
        neighbors = [p for p in REGION_EMBASSIES[country.region] if p.country is not country]
        quote = rng.choice(self.pools["quote_partner"])
        return {
            "country": country.name,
            "adj": country.adjective,
            "gov": country.gov,
            "capital": CAPITALS.get(country.tag, self.post.banner.title()),
            "year": str(year),
            "lastyear": str(year - 1),
            "nextyear": str(year + 1),
            "fy": f"{(year + 1) % 100:02d}",
            "year0": str(year - rng.randint(2, 9)),
            "month": month,
            "leader": leader,
            "cast": self.cast,
            "interlocutor_last": self.cast[0].split()[-1],
            "neighbor": rng.choice(neighbors).country.name if neighbors else "its neighbors",
            "challenge": CHALLENGES.get(self.topic, "Weak institutions"),
            "quote_article": f'"{quote}"',
        }

    def sentence(self, template: str) -> str:
        return capitalize(template.format_map(self.slots))

    def draw(self, key: tuple[str, str], items: list[str]) -> str:
        """The next item of a per-cable shuffled deck, so a cable rarely repeats itself."""
        deck = self.decks.get(key)
        if not deck:
            deck = self.decks[key] = items[:]
        index = int(self.rng.random() * len(deck))
        deck[index], deck[-1] = deck[-1], deck[index]
        return deck.pop()

    def statement(self, topic: str) -> str:
        """A topic sentence: a template, or a fact inside an attribution frame."""
        rng = self.rng
        if rng.random() < 0.45:
            fact = self.draw(("fact", topic), topic_facts(topic, self.country))
            frame = choose(rng, FRAMES)
            return self.sentence(frame.replace("{fact}", fact))
        return self.sentence(self.draw(("template", topic), topic_templates(topic, self.country)))

    def sentences(self, topic: str, count: int) -> list[str]:
        rng = self.rng
        chosen = []
        for _ in range(count):
            roll = rng.random()
            if roll < 0.62:
                chosen.append(self.statement(topic))
            elif roll < 0.86:
                chosen.append(self.statement(self.second))
            else:
                template = self.draw(("template", "generic"), TEMPLATES["generic"])
                chosen.append(self.sentence(template))
        return chosen

    # -- paragraphs

    PARAGRAPH_COUNT_WEIGHTS = (9, 11, 12, 12, 11, 10, 9, 7, 6, 5, 4, 3)  # for 4 .. 15
    VERBOSITY = (2, 3, 4, 5, 5, 6, 6, 7, 8, 10)  # typical sentences per paragraph

    def paragraph_texts(self) -> tuple[list[str], dict[int, str]]:
        """4-15 paragraph texts (without number and marking) and the headings above some."""
        rng = self.rng
        count = rng.choices(range(4, 16), weights=self.PARAGRAPH_COUNT_WEIGHTS)[0]
        verbosity = choose(rng, self.VERBOSITY)
        has_summary = count >= 6 and rng.random() < 0.65
        has_comment = rng.random() < 0.45
        texts, headings = [], {}
        for number in range(1, count + 1):
            n = max(1, verbosity + between(rng, -2, 2))
            if number == 1 and has_summary:
                texts.append(self.summary_text(n + 1))
            elif number == count and has_comment:
                texts.append(self.comment_text(min(n, 4)))
                if rng.random() < 0.5:
                    headings[number] = self.printed_heading("Comment")
            else:
                texts.append(self.plain_text(n))
                if number > 1 and rng.random() < 0.18:
                    heading = self.draw(("heading", ""), self.headings)
                    headings[number] = self.printed_heading(heading)
        return texts, headings

    def summary_text(self, n: int) -> str:
        return "Summary: " + " ".join(self.sentences(self.topic, n)) + " End Summary."

    def comment_text(self, n: int) -> str:
        drawn = [self.draw(("template", "comment"), TEMPLATES["comment"]) for _ in range(n)]
        return "Comment: " + " ".join(self.sentence(t) for t in drawn) + " End Comment."

    def plain_text(self, n: int) -> str:
        sentences = self.sentences(self.topic, n)
        if n > 1 and self.rng.random() < 0.03:  # a file path: backslashes for the CSV to escape
            path = choose(self.rng, POOLS["sigpath"])
            sentences.insert(1, f"(Note: the full text was sent as file {path}. End note.)")
        return " ".join(sentences)

    def bullets(self) -> list[str]:
        """A short "-- " list closing a paragraph: items end with ";" and the last with "."."""
        templates = self.rng.sample(TEMPLATES["bullet"], self.rng.randint(2, 4))
        items = [self.sentence(t) for t in templates]
        return [item[:-1] + (";" if i < len(items) - 1 else ".") for i, item in enumerate(items)]

    # -- body

    def body(self) -> tuple[str, dict]:
        """The body text, and what it says (subject, tags, markings ...) for the Cable."""
        rng = self.rng
        texts, headings = self.paragraph_texts()
        subject = self.subject()
        tags = self.tags()
        style = rng.random()
        prefix = PARAGRAPH_PREFIXES[0 if style < 0.7 else 1 if style < 0.94 else 2]
        wrapped = rng.random() < 0.72
        trailing = rng.random() < 0.4
        width = rng.randint(62, 70)
        total = sum(len(t) for t in texts)
        sections = min(9, 1 + total // 3600) if wrapped else 1
        lines = self.preamble(subject, tags, sections, width)
        blocks = []
        markings = self.paragraph_markings(len(texts))
        for number, text in enumerate(texts, 1):
            above = self.heading_lines(headings[number]) if number in headings else []
            first = prefix.format(n=number, m=markings[number - 1]) + text
            lines_ = wrap(first, width, trailing) if wrapped else [first]
            below = self.bullets() if number not in (1, len(texts)) and rng.random() < 0.06 else []
            blocks.append((above, lines_, below))
        lines += self.with_section_markers(blocks, sections, total)
        signature = self.signature()
        lines.append(signature)
        intent = {
            "subject": subject,
            "tags": tags,
            "markings": markings,
            "headings": headings,
            "signature": signature,
            "paragraphs": texts,
        }
        return "\n".join(lines) + "\n", intent

    def paragraph_markings(self, count: int) -> list[str]:
        """Each paragraph's portion marking as printed: mostly the cable's own level, some lower,
        and NOFORN in the forms the release prints it (S/NF far more often than S//NF)."""
        rng = self.rng
        own, lower = PARAGRAPH_MARKINGS[self.classification.name]
        printed_own = [rng.choice(own) for _ in range(count)]
        return [mark if not lower or rng.random() < 0.7 else rng.choice(lower) for mark in printed_own]

    def printed_heading(self, heading: str) -> str:
        """Headings are printed as written or in capitals, about half and half."""
        return heading.upper() if self.rng.random() < 0.55 else heading

    def heading_lines(self, heading: str) -> list[str]:
        """The heading alone, underlined, or between two rules of dashes."""
        style = self.rng.random()
        rule = "-" * len(heading)
        if style < 0.4:
            return [heading, ""]
        if style < 0.75:
            return [rule, heading, rule, ""]
        return [heading, rule, ""]

    def with_section_markers(self, blocks, sections: int, total: int) -> list[str]:
        """Paragraphs separated by blank lines, with "LIMA 00003429 002 OF 003" page breaks.

        A break falls between two lines of a paragraph's text or between paragraphs, never
        between a heading and its paragraph.
        """
        lines: list[str] = []
        step = total / sections if sections > 1 else 0
        done, section = 0, 1
        for above, text, below in blocks:
            lines += above
            last = len(text) - 1
            for index, line in enumerate(text):
                lines.append(line)
                done += len(line)
                if step and section < sections and done >= step * section and index < last:
                    section += 1
                    lines += ["", self.section_marker(section, sections), ""]
            lines += below
            lines.append("")
            if step and section < sections and done >= step * section:
                section += 1
                lines += [self.section_marker(section, sections), ""]
        return lines

    def section_marker(self, section: int, sections: int) -> str:
        return f"{self.post.banner} {self.serial:08d} {section:03d} OF {sections:03d}"

    def preamble(self, subject: str, tags: list[str], sections: int, width: int) -> list[str]:
        rng, c, created = self.rng, self.classification, self.created
        section = f"SECTION 01 OF {sections:02d} " if sections > 1 else ""
        lines = [f"{c.banner} {section}{self.post.banner} {self.serial:06d} ", ""]
        if created.year >= 2004 and rng.random() < 0.9:
            lines += ["SIPDIS", ""] if rng.random() < 0.5 else ["SIPDIS", "", "SIPDIS", ""]
        if c.caveat:
            lines += [c.caveat, ""]
        if rng.random() < 0.3:
            lines += self.distribution_lines() + [""]
        lines.append(self.eo_line())
        lines.append("TAGS: " + " ".join(tags))
        lines += wrap("SUBJECT: " + subject, width, False)
        lines.append("")
        if self.refs:
            lines += self.ref_lines() + [""]
        if c.classified:
            lines += [self.classified_by(), ""]
        return lines

    def distribution_lines(self) -> list[str]:
        bureau = BUREAUS[self.country.region]
        options = [
            f"STATE FOR {bureau}, INL AND PM",
            f"STATE FOR {bureau} AND S/CT",
            "STATE PASS TO USAID",
            f"NSC FOR {self.rng.choice(US_SURNAMES)}",
            "DEFENSE FOR OSD/ISA",
            "SOUTHCOM ALSO FOR POLAD",
            "TREASURY FOR OFAC",
        ]
        return self.rng.sample(options, self.rng.randint(1, 3))

    def eo_line(self) -> str:
        created, c = self.created, self.classification
        order = "12356" if created < dt.datetime(1995, 10, 14) else "12958"
        if not c.classified:
            return f"E.O. {order}: N/A"
        if order == "12356":
            return "E.O. 12356: DECL: OADR"
        years = 10 if self.rng.random() < 0.8 else 25
        return f"E.O. {order}: DECL: {created.month:02d}/{created.day:02d}/{created.year + years}"

    def ref_lines(self) -> list[str]:
        items = []
        for _, banner, year, serial in self.refs:
            same_year = year == self.created.year and self.rng.random() < 0.6
            prefix = "" if same_year else f"{year % 100:02d} "
            items.append(f"{prefix}{banner} {serial}")
        if len(items) == 1:
            return [f"REF: {items[0]}"]
        lettered = [f"{chr(65 + i)}. {item}" for i, item in enumerate(items)]
        if self.rng.random() < 0.5:
            return ["REF: " + " ".join(lettered)]
        return ["REF: " + lettered[0]] + ["     " + item for item in lettered[1:]]

    def classified_by(self) -> str:
        rng = self.rng
        name = f"{rng.choice(US_INITIALS)}. {rng.choice(US_SURNAMES).title()}"
        who = f"{rng.choice(CLASSIFIERS)} {name}"
        section = "1.5" if self.created.year < 2003 else "1.4"
        reasons = rng.choice(("(b) and (d)", "(b), (c) and (d)", "(d)", "(b,d)", "(c)"))
        return f"Classified By: {who} for reasons {section} {reasons}."

    def signature(self) -> str:
        if self.post.code == "STATE":
            day = self.created.date()
            return [name for start, name in SECRETARIES if start <= day][-1]
        names = US_SURNAMES
        chief = names[crc(self.post.code, self.created.year // 3) % len(names)]
        return chief if self.rng.random() < 0.88 else self.rng.choice(names)

    # -- subject and tags

    def subject(self) -> str:
        rng, country = self.rng, self.country
        template = rng.choice(SUBJECTS[self.topic])
        values = {
            "COUNTRY": country.name.removeprefix("the ").upper(),
            "ADJ": country.adjective.upper(),
            "GOV": country.gov,
            "PLACE": rng.choice(self.pools["place"]).removeprefix("the ").upper(),
            "DRUG": rng.choice(self.pools["drug"]).upper(),
            "MONTH": MONTH_ABBR[self.created.month - 1],
            "YEAR": str(self.created.year),
            "NEXTYEAR": str(self.created.year + 1),
            "OFFICIAL": self.cast[0].upper(),
            "GROUP": rng.choice(self.pools["group"]).upper(),
            "PKO": rng.choice(POOLS["pko"]).upper(),
            "VISITOR": rng.choice(VISITORS),
            "PLATFORM": rng.choice(POOLS["platform"]).upper(),
        }
        return template.format_map(values)

    def tags(self) -> list[str]:
        rng = self.rng
        tags = rng.sample(TOPIC_TAGS[self.topic], rng.randint(1, 3))
        tags += rng.sample(TOPIC_TAGS[self.second], 1)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            tags.append(SUBJECT_TAG_CHOICE.pick(rng))
        country_tag = self.country.tag
        if rng.random() < 0.5:
            tags.append(country_tag)
        else:
            tags.insert(0, country_tag)
        if rng.random() < 0.12:
            tags.append(rng.choice(REGION_EMBASSIES[self.country.region]).country.tag)
        return list(dict.fromkeys(tags))

    # -- header

    def header(self) -> str:
        rng, post, created = self.rng, self.post, self.created
        precedence = rng.choices("RPO", weights=(6, 3, 2))[0]
        word = {"R": "", "P": " PRIORITY", "O": " IMMEDIATE"}[precedence]
        julian = created.timetuple().tm_yday
        hhmm = f"{created.hour:02d}{created.minute:02d}"
        dtg = f"{created.day:02d}{hhmm}Z {MONTH_ABBR[created.month - 1]} {created.year % 100:02d}"
        lines = []
        if rng.random() < 0.92:
            relay = "XYZ0000" if rng.random() < 0.6 else f"XRO{rng.randint(0, 9999):04d}"
            lines += [f"VZCZC{relay}", f"{precedence}{precedence} RUEHWEB", ""]
            lines.append(f"DE {post.routing} #{self.serial % 10000:04d}/01 {julian:03d}{hhmm}")
            lines.append(self.classification.zny)
        lines.append(f"{precedence} {dtg}")
        lines.append(f"FM {post.fm}")
        lines += self.addressees(word)
        return "\n".join(lines) + "\n"

    def addressees(self, word: str) -> list[str]:
        rng, post = self.rng, self.post
        if post.code == "STATE":
            targets = rng.sample(REGION_EMBASSIES[self.country.region], rng.randint(1, 3))
            to = [f"{p.routing}/{p.fm}{word} {rng.randint(1, 9999):04d}" for p in targets]
        else:
            to = [f"RUEHC/SECSTATE WASHDC{word} {rng.randint(1, 9999):04d}"]
        info = []
        neighbors = [p for p in REGION_EMBASSIES[self.country.region] if p is not post]
        for p in rng.sample(neighbors, min(len(neighbors), rng.choice((0, 1, 2, 3, 4, 6, 8)))):
            info.append(f"{p.routing}/{p.fm} {rng.randint(1, 9999):04d}")
        for _ in range(rng.randint(0, 4)):
            info.append(DC_CHOICE.pick(rng))
        if rng.random() < 0.5:
            info.append(COCOMS[self.country.region])
        info = list(dict.fromkeys(info))
        lines = ["TO " + to[0]] + to[1:]
        if info:
            lines += ["INFO " + info[0]] + info[1:]
        return lines


# --- Writing the file -----------------------------------------------------------------------


@dataclass
class Summary:
    count: int
    bytes: int
    seconds: float

    @property
    def megabytes(self) -> float:
        return self.bytes / 1_000_000

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else math.inf


class _CountingWriter:
    """A file wrapper that counts the UTF-8 bytes written through it."""

    def __init__(self, handle: TextIO):
        self.handle = handle
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return self.handle.write(text)


def iter_cables(count: int, seed: int = 1) -> Iterator[Cable]:
    return iter(CorpusGenerator(count, seed))


def write_corpus(handle: TextIO, count: int, seed: int = 1, on_progress=None, on_cable=None) -> Summary:
    """Write `count` rows to an open text handle (newline=""); returns size and timing.

    `on_cable(cable)` sees each cable as it is written (the article generator picks from them).
    """
    started = time.perf_counter()
    counter = _CountingWriter(handle)
    writer = csv.writer(counter, dialect=CablesDialect)
    for cable in iter_cables(count, seed):
        writer.writerow(cable.row())
        if on_cable:
            on_cable(cable)
        if on_progress and cable.internal_id % 10000 == 0:
            on_progress(cable.internal_id)
    return Summary(count, counter.bytes, time.perf_counter() - started)


def generate_file(path: Path, count: int, seed: int = 1, on_progress=None, on_cable=None) -> Summary:
    """Write the corpus to `path`, through a temporary file so a partial run leaves nothing."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            summary = write_corpus(handle, count, seed, on_progress, on_cable)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return summary
