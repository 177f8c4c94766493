"""联查建议 and a school still on v0.1.0: the district's package to it leaves the proposals out (held back),
and the v0.1.0 program, run from the release's own code, imports that package and still verifies."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from database.matching import DistrictMatch, MatchProposal
from database.models import Student
from database.sync import HeldBack, Peer, RecordOwner
from desktop_app.domain import proposals as P
from desktop_app.exchange import package as pkg
from desktop_app.services import accounts, sync
from desktop_app.services.matching import proposals
from desktop_app.services.matching.storage import CURRENT
from desktop_app.services.store import STORE_FILE, Store
from tests.test_golden import receipt_fingerprint
from tests.test_mixed_versions import EXPECTED, GOLDEN, ROOT, old

SEM = "2026秋"


@pytest.fixture(scope="module")
def old_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v0.1.0 program's code, from this repository's history at the release's commit."""
    commit = (GOLDEN / "COMMIT").read_text().strip()
    folder = tmp_path_factory.mktemp("v0.1.0")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "desktop_app", "database"],
                             capture_output=True, check=False)
    assert archive.returncode == 0, archive.stderr.decode(errors="replace")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def test_a_school_on_v0_1_0_imports_the_districts_package_with_its_proposals_held_back(
        old_code: Path, tmp_path: Path) -> None:
    school, usb = tmp_path / "school", tmp_path / "usb"
    school.mkdir()
    usb.mkdir()
    shutil.copy(GOLDEN / "school.sqlite3", school / STORE_FILE)
    (tmp_path / "district").mkdir()
    shutil.copy(GOLDEN / "district.sqlite3", tmp_path / "district" / STORE_FILE)
    dist = Store.open(tmp_path / "district")
    accounts.sign_in(dist, "admin", EXPECTED["password"])
    try:
        package = GOLDEN / "school-to-district.bxpkg"  # the v0.1.0 school's first package
        sync.import_package(dist, package, confirm=receipt_fingerprint(package))
        with dist.write() as s:  # a match about one of its children, found at another school of the district
            node = s.execute(select(Peer.node_id).where(Peer.code == EXPECTED["school_code"])).scalar_one()
            child = s.execute(select(RecordOwner.record_id).where(
                RecordOwner.table_name == "students", RecordOwner.owner_node == node)).scalars().first()
            other = str(uuid.uuid4())
            s.add(Peer(kind="school", code="5001529999", name="米心镇中学", township="米心镇", node_id=other))
            s.add(DistrictMatch(semester=SEM, kind=P.CENSUS, result=P.OTHER_SCHOOL, method="身份证号", status=CURRENT,
                                student_id=child, school_node=node, other_student_id=str(uuid.uuid4()),
                                other_node=other, grade="七年级", place="学籍名册"))
            s.flush()
            assert proposals.publish(s, SEM, dt.date(2026, 11, 30)) == 1
        answer = sync.export_package(dist, EXPECTED["school_code"], usb)
        assert pkg.read(answer.path).manifest["min_reader"] == "0.1.0"
        assert "match_proposals" not in pkg.read(answer.path).manifest["counts"]
        with dist.read() as s:
            held = s.execute(select(HeldBack.record_id).where(HeldBack.table_name == "match_proposals")).scalars().all()
            assert held == [s.execute(select(MatchProposal.id)).scalar_one()]
            assert s.get(Student, child) is not None
        assert old(old_code, "import", str(school), str(answer.path)).startswith("imported")
        assert old(old_code, "verify", str(school)).startswith("True")
        assert dist.verify().ok
    finally:
        dist.close()
