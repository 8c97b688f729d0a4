# Entry points for people and CI. `make run` and `make test` are the README's two commands.
VENV   := .venv
PY     := $(VENV)/bin/python
export VIRTUAL_ENV := $(abspath $(VENV))

.PHONY: setup system native run test test-rust test-python demo clean

setup: $(VENV)/.deps native

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.deps: requirements-dev.txt pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Build the Rust core into tsi/_core*.so and install the `tsi` command into the virtualenv. SQL Server support
# (cargo feature mssql, ODBC) is built in when unixODBC's headers are installed; the default needs neither.
# This development build also has the bindings the tests and `tsi bench` use (cargo feature testing), which a
# release wheel (`maturin build --release`) leaves out.
FEATURES ?= --features testing$(shell [ -e /usr/include/sql.h ] && echo ,mssql)
native: $(VENV)/.deps
	$(VENV)/bin/maturin develop --release -q $(FEATURES)

demo: setup
	$(VENV)/bin/tsi demo

run: setup
	$(VENV)/bin/tsi demo
	$(VENV)/bin/tsi run

# Debian's chromium + chromium-driver for the UI tests (installed when missing and running as root).
system:
	scripts/install-system-deps.sh

test: system setup test-rust test-python

# The default build, then the ODBC transport (feature mssql) through Debian's SQLite ODBC driver.
test-rust:
	cargo test -p tsi-core --release -q
	cargo test -p tsi-core --release -q --features mssql

test-python:
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) target var tsi/_core*.so
