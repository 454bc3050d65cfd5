"""The command line (cnocare/cli.py): assess examples, refuse bad input with exit 2 and a clean stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cnocare.cli import app

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
SYNTHETIC_WEIGHTS = Path(__file__).resolve().parent / "fixtures" / "synthetic-eular-weights.yaml"
CONTRACT_KEYS = ["instrument", "version", "title", "status", "score", "range", "threshold", "classification",
                 "items", "missing", "warnings", "explanation", "citation", "verification", "window"]
INSTRUMENT_IDS = ("bristol-2016", "jansson-2009", "nbods-2023", "eular-acr-2025")

runner = CliRunner()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_assess_succeeds_on_every_example_as_text(path: Path) -> None:
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Jansson" in result.stdout and "Exclusion work-up" in result.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_assess_json_output_parses_and_keeps_the_result_contract(path: Path) -> None:
    result = runner.invoke(app, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [r["instrument"] for r in payload["instruments"]] == list(INSTRUMENT_IDS)
    for r in payload["instruments"]:
        assert list(r) == CONTRACT_KEYS
        assert all(list(i) == ["id", "label", "value", "points", "source"] for i in r["items"])
        assert list(r["citation"]) == ["pmid", "doi"]


def test_assess_json_with_several_cases_gives_a_list() -> None:
    result = runner.invoke(app, ["assess", *map(str, EXAMPLES[:2]), "--format", "json"])
    assert result.exit_code == 0
    assert [c["case_id"] for c in json.loads(result.stdout)] == [
        yaml.safe_load(p.read_text(encoding="utf-8"))["case_id"] for p in EXAMPLES[:2]]


BAD_CASES = {
    "negative CRP": ("labs:\n  - {test: crp, date: 2026-03-01, value: -5, unit: mg/L}\n", "labs[0].value"),
    "unknown bone": ("imaging:\n  - {date: 2026-03-01, modality: mri, lesions: [{site: elbow}]}\n",
                     "imaging[0].lesions[0].site"),
    "unknown field": ("favourite_colour: blue\n", "favourite_colour"),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_exits_2_names_the_field_on_stderr_and_prints_nothing_on_stdout(tmp_path: Path,
                                                                                 name: str) -> None:
    text, field = BAD_CASES[name]
    path = tmp_path / "bad.yaml"
    path.write_text("case_id: bad\npatient: {sex: female}\n" + text, encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert field in result.stderr
    assert result.stdout == ""


def test_one_bad_file_among_good_ones_prints_no_result_at_all(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_id: bad\npatient: {sex: f}\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", str(EXAMPLES[0]), str(bad), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "patient.sex" in result.stderr


def test_assess_with_the_synthetic_weights_table_scores_eular_acr() -> None:
    typical = REPO / "examples" / "typical-crmo.yaml"
    result = runner.invoke(app, ["assess", str(typical), "--format", "json", "--eular-weights",
                                 str(SYNTHETIC_WEIGHTS)])
    assert result.exit_code == 0, result.stderr
    eular = next(r for r in json.loads(result.stdout)["instruments"] if r["instrument"] == "eular-acr-2025")
    assert eular["range"] is not None
    assert any("SYNTHETIC" in w for w in eular["warnings"])


def test_the_weights_table_can_come_from_the_environment(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(EXAMPLES[0]), "--format", "json"],
                           env={"CNOCARE_EULAR_WEIGHTS": str(SYNTHETIC_WEIGHTS)})
    assert result.exit_code == 0
    eular = next(r for r in json.loads(result.stdout)["instruments"] if r["instrument"] == "eular-acr-2025")
    assert any("SYNTHETIC" in w for w in eular["warnings"])


def test_a_bad_weights_table_exits_2_with_the_problem_on_stderr(tmp_path: Path) -> None:
    data = yaml.safe_load(SYNTHETIC_WEIGHTS.read_text(encoding="utf-8"))
    data["checked_by"] = data["transcribed_by"]
    path = tmp_path / "weights.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(app, ["assess", str(EXAMPLES[0]), "--eular-weights", str(path)])
    assert result.exit_code == 2
    assert "checked_by must name people other than transcribed_by" in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_instruments_lists_all_four_with_their_verification_status() -> None:
    result = runner.invoke(app, ["instruments", "--format", "json"])
    assert result.exit_code == 0
    listed = {i["id"]: i["verification"] for i in json.loads(result.stdout)}
    assert listed == {"bristol-2016": "partial", "jansson-2009": "verified-by-derivation",
                      "nbods-2023": "verified", "eular-acr-2025": "partial"}


def test_instruments_as_text_lists_all_four_with_their_verification_status() -> None:
    result = runner.invoke(app, ["instruments"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert set(rows) == set(INSTRUMENT_IDS)
    expected = {"bristol-2016": "partial", "jansson-2009": "verified-by-derivation", "nbods-2023": "verified",
                "eular-acr-2025": "partial"}
    for ident, status in expected.items():
        assert rows[ident].rstrip("│ ").split("│")[-1].strip() == status


def test_bones_lists_the_femur() -> None:
    result = runner.invoke(app, ["bones"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "femur" in result.stdout and "left/right" in result.stdout


@pytest.mark.parametrize("text", [
    'case_id: "synthetic[/]"\npatient: {sex: female}\n',
    "case_id: synthetic\npatient: {sex: female}\nalternative_diagnoses:\n"
    '  - {kind: malignancy, status: excluded, basis: "film [/dim] reviewed"}\n',
], ids=["case-id", "free-text-basis"])
def test_square_brackets_in_case_text_are_printed_not_interpreted(tmp_path: Path, text: str) -> None:
    path = tmp_path / "brackets.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 0
    assert "[/" in result.stdout


@pytest.mark.parametrize(("args", "env", "expected"), [(["--workers", "3"], {}, 3),
                                                       ([], {"CNOCARE_WORKERS": "2"}, 2),
                                                       ([], {}, None)])
def test_serve_starts_the_asked_number_of_workers_each_building_its_own_app(
        args: list[str], env: dict[str, str], expected: int | None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from cnocare.cli import default_workers
    from cnocare.web import workers as web_workers

    calls: list[tuple[web_workers.Listen, int]] = []
    monkeypatch.setattr(web_workers, "serve", lambda where, count: calls.append((where, count)) or 0)
    monkeypatch.setenv("CNOCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    monkeypatch.delenv("CNOCARE_WORKERS", raising=False)
    result = runner.invoke(app, ["serve", "--port", "8123", *args], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "serve.sqlite3").exists()  # migrated once, before any worker starts
    assert calls == [(web_workers.Listen("127.0.0.1", 8123), expected or default_workers())]
    assert 1 <= default_workers() <= min(4, os.cpu_count() or 1)


def test_serve_says_so_when_the_port_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv("CNOCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port), "--workers", "2"])
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_refuses_zero_workers() -> None:
    result = runner.invoke(app, ["serve", "--workers", "0"])
    assert result.exit_code == 2
