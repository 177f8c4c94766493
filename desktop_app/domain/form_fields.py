"""The registration form's (一生一表) fields, declared once.

Each field says its key (the attribute of ``RegistrationForm``), its Chinese name, where it is stored
(table and column), which row of the printed form shows it, which column of the exported ledger
holds it, and how the dialog asks for it. The dialog, the history's labels, the printed form (and
its verification digest), the form's Excel sheet, the case ledger export and the saving and loading
of a case all read this list, so adding a field means: declare it here, add the attribute to
``RegistrationForm`` (and a rule, if any), a column to the model with its migration, and the column
to the package schema (see the README, "Adding a field to the form").

The order is the official form's: the printed rows come in the order their fields first appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.domain import codes

# Where the dialog shows a field.
HEADER, BASIC, PERSUASION = "header", "basic", "persuasion"
# How a field is asked for (and printed).
TEXT, CHOICE, EDITABLE_CHOICE, DATE, LONG_TEXT, ADDRESS, CHECK, NUMBER = (
    "text", "choice", "editable-choice", "date", "long-text", "address", "check", "number")
# Numbers a list shows in part only (services.privacy masks them).
ID, PHONE = "id", "phone"
# Where a field is stored.
STUDENTS, CASES = "students", "cases"

# The printed form's rows (their labels, which the verification digest also covers: never reword one).
CONTACT = "学校联系人及电话"
FILL_DATE = "填表日期"
NAME = "姓名"
ID_NUMBER = "居民身份证号码"
BIRTH_DATE = "出生日期"
SEX = "性别"
AGE = "年龄"
ETHNIC = "民族"
HEALTH = "健康情况"
STUDENT_NUMBER = "全国学籍号"
HUKOU = "户籍所在地"
REGISTRY = "学籍所在地"
RESIDENCE = "现居住地"
REASON = "辍学原因"
FAMILY = "家庭情况简述"
STARTED = "是否已开展劝返工作"
COUNT = "劝返次数"
RESULT = "劝返结果"
NOT_RETURNED = "未复学原因"
UNIT = "劝返单位"
RESPONSIBLE = "劝返责任人"
RESPONSIBLE_PHONE = "劝返责任人联系电话"
DEFERRAL = "是否属于经区县扶贫工作领导小组核实同意、准许先办理延缓入学或休学手续的学生"


def guardian_key(n: int, part: str) -> str:
    """The printed row of guardian ``n``'s name, relation or phone."""
    return {"name": f"监护人{n}", "relation": f"监护人{n}与被核查人关系", "phone": f"监护人{n}联系电话"}[part]


# How the fields of one printed row are joined (rows not named here join with a space).
ROW_SEPARATORS = {REASON: "："}


@dataclass(frozen=True)
class FormField:
    """One field of the registration form.

    Attributes:
        key: the attribute of ``RegistrationForm`` (also the key of its error messages).
        label: the full Chinese name (history, messages; the dialog unless ``caption``).
        table: ``STUDENTS`` or ``CASES``; "" for a value derived, never typed or stored from the form.
        column: the column in ``table`` (for an address, the prefix of its ``<column>_<part>`` columns).
        printed: the printed form's row showing it, "" when it is not printed.
        exported: the case ledger export's column heading, "" when the ledger leaves it out.
        section: where the dialog shows it (``HEADER``, ``BASIC``, ``PERSUASION``).
        kind: how it is asked for (``TEXT``, ``CHOICE`` …).
        caption: the dialog's caption when shorter than ``label`` (it stands beside the field it names).
        options: the choices of a ``CHOICE``/``EDITABLE_CHOICE``.
        width: the exported column's width in characters.
        required: the dialog requires it although the form's rules allow it empty (imports may lack it);
            the message when it is empty.
        masked: ``ID`` or ``PHONE`` for a number lists and exports show in part unless asked otherwise.

    A field with no ``table`` is derived (age from the birth date, the attempt count from the log):
    shown and printed, never typed.
    """

    key: str
    label: str
    table: str = ""
    column: str = ""
    printed: str = ""
    exported: str = ""
    section: str = BASIC
    kind: str = TEXT
    caption: str = ""
    options: tuple[str, ...] = ()
    width: int = 12
    required: str = ""
    masked: str = ""

    @property
    def shown_as(self) -> str:
        """What the dialog writes beside the field."""
        return self.caption or self.label

    @property
    def stored(self) -> bool:
        return bool(self.table)


def _guardian(n: int) -> tuple[FormField, ...]:
    exported = n == 1  # the ledger shows the first guardian
    return (
        FormField(f"guardian{n}_name", f"监护人{n}姓名", STUDENTS, f"guardian{n}_name", guardian_key(n, "name"),
                  "监护人" if exported else "", caption=f"监护人{n}", width=10),
        FormField(f"guardian{n}_relation", f"监护人{n}与被核查人关系", STUDENTS, f"guardian{n}_relation",
                  guardian_key(n, "relation"), kind=EDITABLE_CHOICE, caption="与被核查人关系",
                  options=codes.RELATIONSHIPS),
        FormField(f"guardian{n}_phone", f"监护人{n}联系电话", STUDENTS, f"guardian{n}_phone", guardian_key(n, "phone"),
                  "监护人联系电话" if exported else "", caption="联系电话", width=14, masked=PHONE),
    )


FIELDS: tuple[FormField, ...] = (
    FormField("contact_name", "学校联系人", CASES, "contact_name", CONTACT, section=HEADER),
    FormField("contact_phone", "学校联系电话", CASES, "contact_phone", CONTACT, section=HEADER, caption="联系电话"),
    FormField("fill_date", "填表日期", CASES, "fill_date", FILL_DATE, section=HEADER, kind=DATE),
    FormField("name", "姓名", STUDENTS, "name", NAME, "姓名", width=10),
    FormField("id_number", "居民身份证号码", STUDENTS, "id_number", ID_NUMBER, "居民身份证号码", width=20, masked=ID),
    FormField("birth_date", "出生日期", STUDENTS, "birth_date", BIRTH_DATE, "出生日期", kind=DATE, width=11),
    FormField("sex", "性别", STUDENTS, "sex", SEX, "性别", kind=CHOICE, options=("男", "女"), width=5),
    FormField("age", "年龄", printed=AGE, kind=NUMBER),
    FormField("ethnic_group", "民族", STUDENTS, "ethnic_group", ETHNIC, "民族", kind=CHOICE,
              options=codes.ETHNIC_GROUPS, width=8),
    FormField("health", "健康情况", STUDENTS, "health", HEALTH, kind=EDITABLE_CHOICE, options=codes.HEALTH_OPTIONS),
    FormField("student_number", "全国学籍号", STUDENTS, "student_number", STUDENT_NUMBER, "全国学籍号", width=21,
              masked=ID),
    FormField("grade", "年级", CASES, "grade", exported="年级", kind=CHOICE, options=codes.GRADES, width=8,
              required="请选择年级"),
    *_guardian(1),
    *_guardian(2),
    FormField("hukou", "户籍所在地", STUDENTS, "hukou", HUKOU, "户籍所在地", kind=ADDRESS, width=40),
    FormField("registry", "学籍所在地", STUDENTS, "registry", REGISTRY, kind=ADDRESS),
    FormField("residence", "现居住地", STUDENTS, "residence", RESIDENCE, kind=ADDRESS),
    FormField("dropout_reason", "辍学原因", CASES, "dropout_reason", REASON, "辍学原因", kind=CHOICE,
              options=codes.DROPOUT_REASONS),
    FormField("reason_detail", "辍学原因具体说明", CASES, "reason_detail", REASON, "具体原因", caption="具体说明",
              width=30),
    FormField("family_situation", "家庭情况简述", STUDENTS, "family_situation", FAMILY, kind=LONG_TEXT),
    FormField("persuasion_started", "是否已开展劝返工作", printed=STARTED, section=PERSUASION, kind=CHECK),
    FormField("attempt_count", "劝返次数", printed=COUNT, exported="劝返次数", section=PERSUASION, kind=NUMBER,
              width=6),
    FormField("result", "劝返结果", CASES, "result", RESULT, "劝返结果", PERSUASION, CHOICE,
              options=codes.PERSUASION_RESULTS, width=10),
    FormField("not_returned_reason", "未复学原因", CASES, "not_returned_reason", NOT_RETURNED, section=PERSUASION),
    FormField("persuading_unit", "劝返单位", CASES, "persuading_unit", UNIT, section=PERSUASION),
    FormField("responsible_person", "劝返责任人", CASES, "responsible_person", RESPONSIBLE, "劝返责任人",
              PERSUASION, width=10),
    FormField("responsible_phone", "劝返责任人联系电话", CASES, "responsible_phone", RESPONSIBLE_PHONE,
              section=PERSUASION, caption="联系电话"),
    # Filled from the district's approval recorded under 案件处理 (services.lifecycle), never typed here.
    FormField("deferral_approved", "经领导小组同意延缓入学/休学", CASES, "deferral_approved", DEFERRAL,
              section=PERSUASION, kind=CHECK, caption="延缓入学/休学"),
    FormField("deferral_approval_date", "同意日期", CASES, "deferral_approval_date", DEFERRAL, section=PERSUASION,
              kind=DATE),
    FormField("deferral_document", "批准文号", CASES, "deferral_document", DEFERRAL, section=PERSUASION),
)

BY_KEY: dict[str, FormField] = {f.key: f for f in FIELDS}
ADDRESS_PARTS_LABELS = {"province": "省", "city": "市", "county": "区县", "township": "乡镇(街道)",
                        "detail": "村(社区)门牌"}


def stored_in(table: str) -> tuple[str, ...]:
    """The keys of the typed (not address) fields stored in ``table``, in the form's order."""
    return tuple(f.key for f in FIELDS if f.table == table and f.kind != ADDRESS)


def addresses() -> tuple[FormField, ...]:
    return tuple(f for f in FIELDS if f.kind == ADDRESS)


def in_section(section: str) -> tuple[FormField, ...]:
    return tuple(f for f in FIELDS if f.section == section)


def printed_rows() -> tuple[str, ...]:
    """The printed form's rows, in the form's order (each row once)."""
    return tuple(dict.fromkeys(f.printed for f in FIELDS if f.printed))


def printed_in(row: str) -> tuple[FormField, ...]:
    return tuple(f for f in FIELDS if f.printed == row)


def exported() -> tuple[FormField, ...]:
    return tuple(f for f in FIELDS if f.exported)


def history_labels() -> dict[str, str]:
    """Column name → Chinese name of every stored field (an address: one per part)."""
    labels: dict[str, str] = {}
    for f in FIELDS:
        if f.kind == ADDRESS:
            labels.update({f"{f.column}_{part}": f"{f.label}{name}" for part, name in ADDRESS_PARTS_LABELS.items()})
        elif f.column:
            labels[f.column] = f.label
        else:
            labels[f.key] = f.label
    return labels
