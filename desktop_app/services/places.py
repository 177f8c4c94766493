"""Where a folder really is: on a network share, or inside a folder a cloud client uploads.

SQLite's WAL journal needs shared memory that a network share does not give, so a store there
can be damaged: it is refused. A folder that OneDrive, WPS 云文档 or 百度网盘 syncs uploads what
is written into it (children's personal data, packages, backups) and may hold or duplicate the
file while the program writes it: the program says so and asks (GUI) or warns (CLI).

Detection: Windows UNC paths (``\\\\server\\share``) and mapped drives (``GetDriveTypeW`` says
DRIVE_REMOTE); on Linux the file system type in /proc/mounts. Cloud folders by the folder names
their clients create and by the OneDrive environment variables.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from desktop_app.domain.errors import StoreError

IS_WINDOWS = sys.platform == "win32"
MOUNTS_FILE = Path("/proc/mounts")
DRIVE_REMOTE = 4  # GetDriveTypeW
ONEDRIVE_ENV = ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")
NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "davfs",
                        "9p", "lustre", "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gvfsd-fuse"})
# FUSE file systems that are local (containers, app images, flatpak): every other fuse.* counts as remote.
LOCAL_FUSE = frozenset({"fuse.fuse-overlayfs", "fuse.lxcfs", "fuse.portal", "fuse.squashfuse", "fuse.appimagefuse",
                        "fuse.bindfs", "fuse.encfs", "fuse.gocryptfs", "fuse.mergerfs", "fuse.snapfuse",
                        "fuse.ntfs-3g", "fuse.vmhgfs-fuse", "fuse.jmtpfs"})
ONEDRIVE, WPS, BAIDU, OTHER = "OneDrive", "WPS 云文档", "百度网盘同步空间", "网盘"
# Folder names cloud clients create (compared case-insensitively); OneDrive for work or school
# is "OneDrive - 组织名".
CLOUD_FOLDERS = {
    "onedrive": ONEDRIVE, "wps云文档": WPS, "wps cloud files": WPS, "wps云盘": WPS, "wpsdrive": WPS,
    "baidusyncdisk": BAIDU, "百度网盘同步空间": BAIDU, "百度网盘同步盘": BAIDU,
    "dropbox": "Dropbox", "iclouddrive": "iCloud", "我的坚果云": "坚果云", "nutstore": "坚果云",
}


def _pure(path: str | os.PathLike[str]) -> PurePath:
    return PureWindowsPath(os.fspath(path)) if IS_WINDOWS else PurePosixPath(os.fspath(path))


def _drive_type(root: str) -> int:
    """``GetDriveTypeW`` of a drive root such as ``Z:\\`` (0, unknown, off Windows)."""
    if not IS_WINDOWS:
        return 0
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes (\\040 …)."""
    return field.encode("latin-1").decode("unicode_escape") if "\\" in field else field


def _mount_type(path: Path) -> str | None:
    """The file system type of the mount that holds ``path`` (Linux), None when unknown."""
    try:
        lines = MOUNTS_FILE.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    best, kind = -1, None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = PurePosixPath(_unescape(fields[1]))
        if (point == PurePosixPath(path) or point in PurePosixPath(path).parents) and len(point.parts) > best:
            best, kind = len(point.parts), fields[2]
    return kind


def _absolute(path: str | os.PathLike[str]) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(os.fspath(path)))


def network_share(path: str | os.PathLike[str]) -> str | None:
    """How ``path`` is on the network ("网络共享文件夹 \\\\server\\share", "网络驱动器 Z:", "nfs"), or None."""
    if IS_WINDOWS:
        pure = PureWindowsPath(os.fspath(path))
        drive = pure.drive
        if drive.startswith("\\\\") and not drive.startswith(("\\\\?\\", "\\\\.\\")) or \
                drive.upper().startswith("\\\\?\\UNC\\"):
            return f"网络共享文件夹 {drive}"
        if len(drive) == 2 and drive[1] == ":" and _drive_type(drive + "\\") == DRIVE_REMOTE:
            return f"网络驱动器 {drive.upper()}"
        return None
    kind = _mount_type(_absolute(path))
    if kind and (kind in NETWORK_FS or kind.startswith("fuse.") and kind not in LOCAL_FUSE):
        return f"网络文件系统 {kind}"
    return None


def cloud_service(path: str | os.PathLike[str]) -> str | None:
    """The cloud client that syncs ``path`` (OneDrive, WPS 云文档, 百度网盘同步空间 …), or None."""
    absolute = _pure(path if IS_WINDOWS else _absolute(path))
    folded = [part.casefold() for part in absolute.parts]
    for name in ONEDRIVE_ENV:
        root = os.environ.get(name)
        if root:
            root_parts = [part.casefold() for part in _pure(root).parts]
            if root_parts and folded[:len(root_parts)] == root_parts:
                return ONEDRIVE
    for part in folded:
        if part.startswith("onedrive - "):
            return ONEDRIVE
        if service := CLOUD_FOLDERS.get(part):
            return service
    return None


def cloud_warning(folder: str | os.PathLike[str], what: str) -> str | None:
    """The sentence to show before ``what`` (数据包, 备份 …) is written into a cloud-synced folder."""
    service = cloud_service(folder)
    if service is None:
        return None
    return f"{folder} 是{service}同步的文件夹，写到这里的{what}会被上传到网盘。建议保存到U盘或不同步的文件夹"


def store_cloud_warning(data_dir: str | os.PathLike[str]) -> str | None:
    """The sentence to show when the data folder is one a cloud client syncs, or None."""
    service = cloud_service(data_dir)
    if service is None:
        return None
    return (f"数据文件夹 {data_dir} 是{service}同步的文件夹：学生的个人信息会被上传到网盘，同步程序还可能在写入时"
            "占用数据文件或复制出冲突的副本，损坏台账。建议改用本机不同步的文件夹"
            "（用 --data-dir 或环境变量 BAOXUE_DATA_DIR 指定）")


def refuse_network_store(data_dir: str | os.PathLike[str]) -> None:
    """Refuse a data folder on a network share before the store is opened.

    Raises:
        StoreError: the folder is on a network share or drive.
    """
    if how := network_share(data_dir):
        raise StoreError(
            f"数据文件夹 {data_dir} 在{how}上：数据文件在网络共享上可能损坏，不能在此打开。"
            "请把数据文件夹放在本机硬盘上（用 --data-dir 或环境变量 BAOXUE_DATA_DIR 指定），"
            "多人共用请各自导出数据包交换"
        )
