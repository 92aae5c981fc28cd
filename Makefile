# Execora: two commands on a fresh machine — `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test bench bench-voice bench-api openapi docs lint stop clean

help:
	@echo "make run      start PostgreSQL + Redis privately, migrate, run execora with a demo tenant"
	@echo "make test     start private services, run the whole test suite, stop them"
	@echo "make bench    queue benchmark: execora vs BullMQ on one private Redis"
	@echo "make bench-voice  voice workflow over /ws at 1/100/1000 sessions, offline and with faked providers"
	@echo "make bench-api  HTTP API under wrk at 50 connections: /health beside authenticated reads and a write"
	@echo "make openapi  regenerate openapi/execora.yaml"
	@echo "make docs     regenerate openapi/execora.yaml and docs/configuration.md"
	@echo "make lint     rustfmt and clippy, warnings as errors"
	@echo "make stop     stop the services make run started"

run:
	scripts/run-dev

test:
	scripts/test

bench:
	scripts/bench

bench-voice:
	scripts/bench-voice

bench-api:
	scripts/bench-api

# Generated from the code and checked by tests. Written to a temporary file first, so a
# failed build leaves the checked-in copy as it was.
openapi:
	cargo run --quiet -- openapi > openapi/execora.yaml.tmp
	mv openapi/execora.yaml.tmp openapi/execora.yaml

docs: openapi
	cargo run --quiet -- config-docs > docs/configuration.md.tmp
	mv docs/configuration.md.tmp docs/configuration.md

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

stop:
	scripts/services stop dev

clean: stop
	scripts/services stop test
	cargo clean
