"""The README's table of LB_ settings is the one generated from app.config.Settings."""

from app.config import ROOT, SETTINGS_BEGIN, SETTINGS_END, Settings, settings_markdown, with_settings_table

REGENERATE = (
    "`.venv/bin/laborbridge settings --readme README.md` in the repository root "
    "(with another virtualenv: `PYTHONPATH=$PWD VENV/bin/laborbridge settings --readme README.md`)"
)


def test_every_setting_says_what_it_does():
    missing = [f"LB_{name.upper()}" for name, field in Settings.model_fields.items() if not field.description]
    assert not missing, f"give these Settings fields a description=...: {missing}, then run {REGENERATE}"


def test_the_readme_settings_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SETTINGS_BEGIN in readme and SETTINGS_END in readme, "the README lost its settings markers"
    assert with_settings_table(readme) == readme, f"the README's settings table is stale; run {REGENERATE}"


def test_the_table_lists_every_setting_once_with_its_default():
    rows = [line for line in settings_markdown().splitlines() if line.startswith("| `LB_")]
    assert [row.split("`")[1] for row in rows] == [f"LB_{name.upper()}" for name in Settings.model_fields]
    port = next(row for row in rows if row.startswith("| `LB_PORT`"))
    assert "`8000`" in port
    assert "dev-only" not in settings_markdown()  # the development PII key is not advertised as a value to copy


def test_the_regenerate_command_rewrites_only_the_table(tmp_path, capsys):
    from app.cli import main

    stale = f"# Title\n\nbefore\n{SETTINGS_BEGIN}\n| `LB_GONE` | `1` | an old setting |\n{SETTINGS_END}\nafter\n"
    readme = tmp_path / "README.md"
    readme.write_text(stale, encoding="utf-8")
    assert main(["settings", "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text == f"# Title\n\nbefore\n{SETTINGS_BEGIN}\n{settings_markdown()}{SETTINGS_END}\nafter\n"
    assert main(["settings", "--readme", str(readme)]) == 0
    assert "already current" in capsys.readouterr().out
    assert main(["settings"]) == 0
    assert capsys.readouterr().out == settings_markdown()
