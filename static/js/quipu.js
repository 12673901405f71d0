/* Quipu: small enhancements; every page works without this file.
   - "Copy link" buttons on paragraphs copy the paragraph's absolute URL.
   - The "Cite this" box names the targeted paragraph (¶N) and can be copied.
   - Printing opens collapsed <details> so the addressees appear on paper. */
(function () {
  "use strict";

  function documentUrl() {
    return location.origin + location.pathname;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-http deployments have no async clipboard: fall back to a selected textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function confirm(button, label) {
    var original = button.getAttribute("data-label") || button.innerHTML;
    button.setAttribute("data-label", original);
    button.textContent = label;
    button.classList.add("is-copied");
    window.setTimeout(function () {
      button.innerHTML = original;
      button.classList.remove("is-copied");
    }, 2000);
  }

  function announce(message) {
    var region = document.getElementById("quipu-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "quipu-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = message;
  }

  function wireCopyLinks() {
    var buttons = document.querySelectorAll("button.copy-link[data-anchor]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var url = documentUrl() + "#" + button.getAttribute("data-anchor");
        copyText(url).then(function () {
          confirm(button, "Copied");
          announce("Link copied: " + url);
        }, function () {
          announce("Could not copy; the link is " + url);
          location.hash = button.getAttribute("data-anchor");
        });
      });
    });
  }

  function targetedParagraph() {
    var match = /^#p(\d+)$/.exec(location.hash);
    return match && document.getElementById("p" + match[1]) ? match[1] : null;
  }

  function updateCitation() {
    var box = document.querySelector(".cite[data-citation]");
    if (!box) { return; }
    var text = box.querySelector(".cite__text");
    var base = box.getAttribute("data-citation");
    var url = box.getAttribute("data-url");
    var number = targetedParagraph();
    // A paragraph's own citation says whose its number is (a cable's ¶5, or the archive's).
    var own = number && document.querySelector("#p" + number + " .para__cite-text");
    text.textContent = own ? own.textContent : base + ", " + url;
  }

  function wireCitation() {
    var box = document.querySelector(".cite[data-citation]");
    if (!box) { return; }
    var button = box.querySelector("button.copy-cite");
    updateCitation();
    window.addEventListener("hashchange", updateCitation);
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = box.querySelector(".cite__text").textContent;
        copyText(text).then(function () {
          confirm(button, "Copied");
          announce("Citation copied");
        }, function () { announce("Could not copy the citation"); });
      });
    }
  }

  function wireParagraphCitations() {
    Array.prototype.forEach.call(document.querySelectorAll("button.copy-para-cite"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = button.parentNode.querySelector(".para__cite-text").textContent;
        copyText(text).then(function () {
          confirm(button, "Copied");
          announce("Citation copied");
        }, function () { announce("Could not copy the citation"); });
      });
    });
  }

  function openDetailsForPrint() {
    window.addEventListener("beforeprint", function () {
      Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
        d.setAttribute("open", "");
        d.setAttribute("data-print-opened", "");
      });
    });
    window.addEventListener("afterprint", function () {
      Array.prototype.forEach.call(document.querySelectorAll("details[data-print-opened]"), function (d) {
        d.removeAttribute("open");
        d.removeAttribute("data-print-opened");
      });
    });
  }

  // The "all values" list of a facet narrows as you type; without JavaScript the box is a
  // form that asks the server for the narrowed list.
  function wireFacetFilter() {
    var input = document.querySelector("form.facet-filter input[name=more_filter]");
    var list = document.querySelector(".facet-list--all");
    if (!input || !list) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    var timer = null;
    // Without case or accents, as the server narrows it: "dialogo" finds Diálogo.
    function folded(text) {
      return text.toLocaleLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    }
    function narrow() {
      var needle = folded(input.value.trim());
      var shown = 0;
      items.forEach(function (item) {
        var label = folded(item.querySelector("a").textContent);
        var keep = !needle || label.indexOf(needle) !== -1;
        item.hidden = !keep;
        if (keep) { shown += 1; }
      });
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        announce(shown === 1 ? "1 value shown" : shown + " values shown");
      }, 400);
    }
    input.setAttribute("aria-controls", list.id);
    input.addEventListener("input", narrow);
  }

  // On narrow screens the facets are hidden until "Filters" opens them above the results.
  function wireFiltersToggle() {
    var toggle = document.querySelector("a.filters-toggle");
    var panel = document.getElementById("search-filters");
    if (!toggle || !panel) { return; }
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var open = !panel.classList.contains("is-open");
      panel.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { panel.focus(); }
    });
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); toggle.click(); }
    });
    var back = panel.querySelector(".filters-back a");
    if (back) {
      back.addEventListener("click", function (event) {
        event.preventDefault();
        panel.classList.remove("is-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      });
    }
  }

  document.documentElement.classList.add("js");
  wireFiltersToggle();
  wireFacetFilter();
  wireCopyLinks();
  wireCitation();
  wireParagraphCitations();
  openDetailsForPrint();
}());
