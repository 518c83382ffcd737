"""Project rules that keep the one access-scoping mechanism the only way in.

Views, API views and tasks never fetch scoped data with a bare manager call; they go through a
selector or a ``visible_to``/``actionable_by`` queryset (STYLE.md, "One way to scope data").
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("grid", "residents", "risks", "disputes")
THIN_MODULES = ("views.py", "api/views.py", "tasks.py")
# A manager call that is not immediately scoped: Model.objects.get/filter/all/exclude(...)
UNSCOPED = re.compile(r"\b[A-Z]\w*\.objects\.(get|filter|all|exclude|first|last|in_bulk)\(")
BARE_SHORTCUT = re.compile(r"\bget_object_or_404\(\s*[A-Z]\w*\s*[,)]")


def _thin_modules():
    for app in APPS:
        for name in THIN_MODULES:
            path = ROOT / app / name
            if path.exists():
                yield path


def test_views_and_tasks_never_read_scoped_models_unscoped():
    offences = []
    for path in _thin_modules():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if UNSCOPED.search(line) or BARE_SHORTCUT.search(line):
                offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offences == [], "use a selector or .visible_to(user):\n" + "\n".join(offences)


def test_rule_catches_a_bare_manager_call():
    assert UNSCOPED.search("cell = GridCell.objects.get(pk=pk)")
    assert BARE_SHORTCUT.search("get_object_or_404(GridCell, pk=pk)")
    assert not UNSCOPED.search("GridCell.objects.visible_to(user).get(pk=pk)")


def test_no_cdn_links_in_templates_or_static():
    pattern = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs\.|googleapis\.com|bootstrap(?:cdn)")
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                assert not pattern.search(path.read_text(errors="ignore")), path
