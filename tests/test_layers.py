"""The layers in pyproject.toml ([tool.importlinter], docs/architecture.md) hold, and they
bite: a copy of the shop with one wrong import fails `lint-imports`, naming that import.
And no module of the shop imports itself back, through any chain of imports."""

import graphlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_shop_keeps_its_layers():
    answer = lint_imports(ROOT)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "BROKEN" not in answer.stdout


def test_no_import_cycles_anywhere():
    graph = grimp.build_graph("shop")
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    graphlib.TopologicalSorter(imports).prepare()  # raises CycleError naming the cycle


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken_contract"),
    [
        ("shop/db_types.py", "from shop.orders import services", "the core calls no area"),
        ("shop/catalog/services.py", "from shop.orders import services", "never up or sideways"),
        ("shop/payments/gateway.py", "from shop.orders import models", "Payment providers import no order"),
        ("shop/orders/services.py", "from shop.checkout import views", "Nothing imports an edge"),
        ("shop/orders/__init__.py", "from shop.cart import views", "Nothing imports an edge"),
        ("shop/seed.py", "from shop.checkout import views", "Nothing imports an edge"),
        ("shop/core/money.py", "from shop.blog import instagram", "the core calls no area"),
        ("shop/security.py", "from shop.checkout import operations", "the core calls no area"),
    ],
)
def test_a_wrong_import_fails_the_check(tmp_path, module, wrong_import, broken_contract):
    shutil.copytree(ROOT / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a") as source:
        source.write(f"\n{wrong_import}  # noqa\n")
    answer = lint_imports(tmp_path)
    assert answer.returncode != 0
    broken = answer.stdout.partition("Broken contracts")[2]
    assert broken_contract in " ".join(broken.split()), answer.stdout
    importer = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    assert importer in answer.stdout  # the report names the wrong import
