"""The server-rendered dashboard: Jinja2 pages, htmx for the live parts, uPlot for charts.

Kept free of imports, so `python -m betteruptime.web.assets` (run at install time) does
not load the whole api; `betteruptime.web.mount` wires the dashboard into the app.
"""
