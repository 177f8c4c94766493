"""Coded lists of the registration form: ethnic groups, reasons, results, statuses."""

from __future__ import annotations

from enum import Enum

# GB/T 3304-1991, in the standard's order, plus the two extra codes it defines.
ETHNIC_GROUPS: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他", "外国血统",
)

HEALTH_OPTIONS: tuple[str, ...] = ("健康", "一般", "较差", "残疾", "患病")

RELATIONSHIPS: tuple[str, ...] = (
    "父亲", "母亲", "祖父", "祖母", "外祖父", "外祖母", "兄", "姐", "叔伯", "姑姑", "舅舅", "姨妈", "其他亲属", "其他",
)

GRADES: tuple[str, ...] = (
    "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级", "未入学",
)

DROPOUT_REASONS: tuple[str, ...] = (
    "厌学", "学习困难", "外出务工", "家庭经济困难", "疾病/残疾", "早婚早育", "宗教影响", "家长不重视", "其他",
)

PERSUASION_METHODS: tuple[str, ...] = ("上门家访", "电话联系", "到校面谈", "联合劝返", "书面告知", "其他")

PERSUASION_RESULTS: tuple[str, ...] = ("已复学", "未复学", "转学", "区外就读", "延缓入学/休学", "其他")


class CaseStatus(str, Enum):
    """Where a case stands. The open ones count toward the headline figure."""

    SUSPECTED = "疑似辍学"
    PERSUADING = "劝返中"
    JOINT = "联合劝返"
    CLOSED = "已销号"
    DEFERRED = "缓学跟踪"  # closed as 延缓入学/休学 with the district's approval, still followed up

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return (cls.SUSPECTED.value, cls.PERSUADING.value, cls.JOINT.value)

    @classmethod
    def closed_values(cls) -> tuple[str, ...]:
        """Closed (销号), including the deferred ones that stay under follow-up."""
        return (cls.CLOSED.value, cls.DEFERRED.value)

