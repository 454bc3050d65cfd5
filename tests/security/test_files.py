"""Private folders: ours are tightened to 0700; a shared sticky folder such as /tmp never is."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cnocare.security.files import private_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_folder_is_born_private_and_an_open_one_of_ours_is_tightened(tmp_path: Path) -> None:
    assert _mode(private_dir(tmp_path / "data")) == 0o700
    opened = tmp_path / "old"
    opened.mkdir()
    os.chmod(opened, 0o755)
    assert _mode(private_dir(opened)) == 0o700


def test_a_shared_sticky_folder_like_tmp_is_left_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    private_dir(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
