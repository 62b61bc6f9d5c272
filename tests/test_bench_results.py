"""The table ``make bench`` prints (bench/results.py): what a bench records is what is shown, a row no
bench measured fails, and a row name that is not in the table is refused."""

import pytest

from bench import results


@pytest.fixture
def results_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    monkeypatch.setenv("BENCH_RESULTS", str(path))
    return path


def test_recorded_rows_are_shown_beside_their_reference_and_missing_rows_fail(results_file):
    assert results.ratio_row("list", 0.0156, 0.0052, "trivial page", 3.0) is True
    assert results.ratio_row("runs", 25.0, 2.5, "COPY of the lines", 4.0) is False
    rows = results.load()
    assert rows["list"] == {"measured": "3.0× (15.6 ms)", "reference": "trivial page 5.2 ms", "passed": True}
    assert rows["runs"] == {"measured": "10.0× (25.00 s)", "reference": "COPY of the lines 2.50 s", "passed": False}

    lines = results.table(rows)
    assert len(lines) == 2 + len(results.ROWS)
    by_work = {line.split("  ")[0]: line for line in lines[2:]}
    assert by_work["registry list, 1,000,000 households"].split()[-1] == "PASS"
    assert "3.0× (15.6 ms)" in by_work["registry list, 1,000,000 households"]
    runs = by_work["prepare the runs of one province, 1,000,000 cases, 2 workers"]
    assert "10.0× (25.00 s)" in runs and "43.5× COPY" in runs and runs.split()[-1] == "FAIL"
    home = by_work["home page (work lists), 10,000-household commune"]
    assert "not measured" in home and home.split()[-1] == "FAIL"


def test_an_unknown_row_is_refused_and_nothing_is_written(results_file):
    with pytest.raises(ValueError, match="unknown bench row 'lists'"):
        results.record("lists", measured="1", reference="1", passed=True)
    assert not results_file.exists()
    results.clear()
    assert results.load() == {}
