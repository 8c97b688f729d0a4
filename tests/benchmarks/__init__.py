"""The benchmark behind `tsi bench`, kept out of the runtime package (it needs pandas, Selenium and a development
build of `tsi._core`, cargo feature `testing`). `tsi bench` loads it from the source checkout; see bench.py.

presets.py  generated schedules, flows and budgets (architecture.md §8)
timing.py   samples and their statistics
peer.py     the pandas notebook a user would otherwise write, timed in its own process
browser.py  every page drawn in headless Chromium against gunicorn
report.py   budget rows and the text table
bench.py    the run
"""
