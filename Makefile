# The two commands of the README: `make demo` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test lint pytest serve clean

$(BIN)/linli: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本")'
	@$(PYTHON) -m venv $(VENV) || { echo "无法创建虚拟环境：Debian/Ubuntu 请先安装 python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(BIN)/linli
	@$(BIN)/python -m linli.secrets >/dev/null

demo: setup
	$(BIN)/linli demo

test: setup lint pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var/static .mypy_cache .ruff_cache
