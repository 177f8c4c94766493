"""First-run set-up: this installation is a school or the district office."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from database.models import Installation
from desktop_app.domain.contact import normalize_phone, phone_error
from desktop_app.domain.errors import FieldError, ValidationError
from desktop_app.services import audit
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store

SCHOOL = "school"
DISTRICT = "district"
KIND_LABELS = {SCHOOL: "学校", DISTRICT: "区教委（区县教育行政部门）"}


@dataclass
class InstallationInfo:
    kind: str
    name: str
    code: str
    township_centre: str = ""
    contact_name: str = ""
    contact_phone: str = ""

    def errors(self) -> list[FieldError]:
        self.name = " ".join(self.name.split())
        self.code = self.code.strip()
        self.contact_phone = normalize_phone(self.contact_phone)
        errs: list[FieldError] = []
        if self.kind not in (SCHOOL, DISTRICT):
            errs.append(FieldError("kind", "请选择本机是学校还是区教委"))
        if not self.name:
            errs.append(FieldError("name", "单位名称不能为空"))
        if self.kind == SCHOOL:
            if not re.fullmatch(r"\d{10}", self.code):
                errs.append(FieldError("code", "学校标识码应为10位数字（全国统一的学校标识码）"))
        elif self.kind == DISTRICT and not re.fullmatch(r"\d{6}", self.code):
            errs.append(FieldError("code", "区县代码应为6位数字的行政区划代码，如潼南区为500152"))
        if err := phone_error(self.contact_phone, "contact_phone", "联系电话", required=False):
            errs.append(err)
        return errs


def get(store: Store) -> Installation | None:
    return store.installation()


def setup(store: Store, info: InstallationInfo) -> Installation:
    """Set this installation up once; refuses a second set-up."""
    if errs := info.errors():
        raise ValidationError(errs)
    if store.installation() is not None:
        raise ValidationError("本机已设置过单位信息，请在“设置”中修改")
    if store.is_server and info.kind != DISTRICT:
        raise ValidationError("只有区教委可以把台账放在数据库服务器上；学校的台账始终是本机的加密文件")
    node_id = str(uuid.uuid4())
    with store.write() as session:
        if session.execute(select(Installation.id)).first() is not None:  # another program set it up meanwhile
            store.forget_installation()
            raise ValidationError("本机已设置过单位信息（另一个保学台账程序刚刚完成了设置），请在“设置”中修改")
        session.info["node_id"] = node_id
        inst = Installation(
            id=1, kind=info.kind, name=info.name, code=info.code, township_centre=info.township_centre,
            contact_name=info.contact_name.strip(), contact_phone=info.contact_phone, node_id=node_id,
        )
        session.add(inst)
        session.flush()
        audit.record_event(session, "installation", "1", "设置", f"{KIND_LABELS[info.kind]} {info.name} {info.code}")
    store.forget_installation()
    from desktop_app.services import sync  # noqa: PLC0415 - sync needs this module's callers set up first

    sync.ensure_keys(store)  # the node's key pairs for USB packages
    return _saved(store)


def update(store: Store, info: InstallationInfo) -> Installation:
    """Edit the unit's details later (设置); the kind and node id never change."""
    require(store, Permission.MANAGE_SETTINGS)
    current = store.installation()
    if current is None:
        raise ValidationError("本机尚未设置单位信息")
    info.kind = current.kind
    if errs := info.errors():
        raise ValidationError(errs)
    with store.write() as session:
        inst = session.execute(select(Installation)).scalar_one()
        changes = []
        for name in ("name", "code", "township_centre", "contact_name", "contact_phone"):
            old, new = getattr(inst, name), getattr(info, name)
            if old != new:
                changes.append(audit.Change("update", "installation", "1", name, old, new))
                setattr(inst, name, new)
        audit.append(session, changes)
    store.forget_installation()
    return _saved(store)


def _saved(store: Store) -> Installation:
    """The installation row just written."""
    inst = store.installation()
    assert inst is not None  # written in the transaction before
    return inst
