# The two commands a newcomer needs are `make run` and `make test`; each one
# prepares what it needs first (tools/setup.sh, cached in .cache and .venv).
SHELL := /bin/bash
.DEFAULT_GOAL := help

MODULE := account_receivable_gateway
DEMO_DB := arg_demo
DB ?= $(DEMO_DB)
TEST_DB ?= arg_test
# Main company of new databases: French, as our users are, with the French
# chart of accounts.
COUNTRY ?= FR
LOCALISATION ?= l10n_fr_account
VENV := .venv
ODOO := $(VENV)/bin/python -m odoo
CONF := .cache/odoo.conf
# The add-on seen under its technical name, so that tests import as
# odoo.addons.account_receivable_gateway whatever the checkout is called.
ADDON := .cache/addons/$(MODULE)
# What `make test` runs, relative to the add-on: TESTS=tests/test_x.py::TestX::test_y
TESTS ?= tests connectors
PYTEST_ARGS ?=

.PHONY: help setup run shell test lint i18n bench bench-facturx bench-chorus facturx-check clean

help:
	@echo "make run     start Odoo with the demo database on http://127.0.0.1:8069"
	@echo "make test    build a fresh test database and run the whole test suite"
	@echo "make shell   Odoo shell on the demo database (DB=name for another one)"
	@echo "make lint    ruff and pylint-odoo"
	@echo "make i18n    export the translation template and update i18n/fr.po"
	@echo "make bench   time a dunning run on 10,000 to 100,000 invoices, ours and OCA's"
	@echo "make bench-facturx  time Factur-X generation against Odoo's native one"
	@echo "make bench-chorus   send 1,000 invoices to the local Chorus Pro and follow them"
	@echo "make facturx-check FILES='a.pdf b.xml'  check Factur-X files"
	@echo "make clean   remove the caches (.cache, .venv)"

setup:
	@tools/setup.sh

# The local Chorus Pro and approved platform the demo company's channels
# point at; their clocks run 60 times faster than real time, so a sent
# invoice reaches payment in a few minutes.
CHORUS_PORT ?= 8780
PA_PORT ?= 8781

run: setup
	@tools/odoo.sh ensure-db $(DB) demo $(COUNTRY) $(LOCALISATION)
	@echo "Odoo: http://127.0.0.1:8069  database $(DB)  login admin / password admin"
	@echo "Local Chorus Pro: http://127.0.0.1:$(CHORUS_PORT)"
	@echo "Local approved platform: http://127.0.0.1:$(PA_PORT)"
	@$(VENV)/bin/python -m connectors.chorus_pro.simulator --port $(CHORUS_PORT) \
		--speed 60 >.cache/chorus_pro_simulator.log 2>&1 & chorus=$$!; \
		$(VENV)/bin/python -m connectors.pa.simulator --port $(PA_PORT) \
		--speed 60 >.cache/pa_simulator.log 2>&1 & platform=$$!; \
		trap 'kill $$chorus $$platform' EXIT; \
		$(ODOO) server -c $(CONF) -d $(DB) --db-filter='^$(DB)$$'

shell: setup
	@if [ "$(DB)" = "$(DEMO_DB)" ]; then tools/odoo.sh ensure-db $(DB) demo $(COUNTRY) $(LOCALISATION); fi
	@$(ODOO) shell -c $(CONF) -d $(DB) --no-http --log-level=warn

test: setup
	@tools/odoo.sh ensure-db $(TEST_DB) fresh $(COUNTRY) $(LOCALISATION)
	$(VENV)/bin/pytest --odoo-config=$(CONF) --odoo-database=$(TEST_DB) --odoo-http \
		$(PYTEST_ARGS) $(addprefix $(ADDON)/,$(TESTS))

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd .cache/addons && ../../$(VENV)/bin/pylint --rcfile=../../.pylintrc-mandatory \
		$$(cd ../.. && git ls-files --cached --others --exclude-standard '*.py' ':!:bench/' ':!:tools/' | sed 's|^|$(MODULE)/|')

i18n: setup
	@tools/odoo.sh ensure-db $(TEST_DB) fresh $(COUNTRY) $(LOCALISATION)
	$(ODOO) i18n export -c $(CONF) -d $(TEST_DB) -l pot -- $(MODULE)
	$(VENV)/bin/python -c 'import polib; po = polib.pofile("i18n/fr.po"); \
		po.merge(polib.pofile("i18n/$(MODULE).pot")); po.save()' 

# Ours next to OCA account_credit_control (bench-only, bench/requirements.txt)
# on copies of the same databases: BENCH_SIZES, BENCH_OCA_LIMIT, BENCH_KEEP.
bench: setup
	@bench/setup_oca.sh
	@tools/odoo.sh ensure-db arg_bench fresh $(COUNTRY) $(LOCALISATION)
	@$(VENV)/bin/python bench/dunning_run.py

bench-facturx: setup
	@tools/odoo.sh ensure-db arg_bench_fx fresh $(COUNTRY) $(LOCALISATION)
	@bench/with_server.sh bench/facturx_run.py

bench-chorus: setup
	@tools/odoo.sh ensure-db arg_bench_fx fresh $(COUNTRY) $(LOCALISATION)
	@bench/with_server.sh bench/chorus_pro_run.py

facturx-check: setup
	@$(VENV)/bin/python -m connectors.facturx.check $(FILES)

clean:
	rm -rf .cache .venv
