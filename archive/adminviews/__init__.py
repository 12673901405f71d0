"""The admin's working parts: list filters and paginator, tagging forms, bulk tag
operations and the intermediate pages of the document and tag actions.

archive/admin.py registers the ModelAdmins and wires these in.
"""
