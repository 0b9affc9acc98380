"""The 2026 rule set: section 四 of the city's 2026 notice, as a table.

Source: shared/seed/qingdao-2026-notice.txt; contract: shared/docs/rules-2026.md.
Read it beside the notice: one row per kind, then the caps and constants.
"""
from decimal import Decimal

from ..model import (
    CHANNEL, COURSES, HOURS, MONTHS, OTHER_CLASS, PASSED, POOL, PROJECT, PUBLIC,
    PUBLISHED_PROJECT, REASON, SEMINAR, SPLIT, UNIT, CapGroup, KindRule, MonthsRule,
    RuleSet, Text,
)

_DAILY_8 = Text("按实际学时认定,每人每天合计不超过8学时",
                "Actual hours, at most 8 a day per person (all daily activities together).")
_MONTHS_TEXT = "公需科目30学时、专业科目60学时(不足一年的,按月份比例计算)"
_MONTHS_EN = "30 public and 60 professional hours (pro rata by months for less than a year)"
# 本平台认定口径 of the months (rules-2026.md, Months 4 and 5)
_ROUNDING = ("本平台认定口径:自开始日起按整月计算(遇月末取当月最后一天),不足一个月的部分满15天按1个月计、"
             "不满15天不计;每月计公需2.5学时、专业5学时")
_ROUNDING_EN = ("This platform's rule: whole months from the start day (a missing day is the month's "
                "last day); a remainder of 15 days or more is one month, under 15 days nothing; "
                "each month is 2.5 public and 5 professional hours")

KINDS = (
    KindRule("platform_course", "四(一)",
             Text("平台课程学习", "Platform course"),
             Text("参加市继续教育学习平台课程学习,按实际学时直接获得学时",
                  "Courses on the city's learning platform count their actual hours."),
             credit=HOURS),
    KindRule("public_subject_exam", "四(二)1",
             Text("公需科目考试", "Public-subject exam"),
             Text("考试合格的,按学时登记为公需科目学时,每年不超过30学时",
                  "Passed: the hours count as public hours, at most 30 a year."),
             credit=HOURS, category=PUBLIC, extra_fields=(PASSED,),
             cap_group="public_subject_exam", claimable=True),
    KindRule("offline_training", "四(二)2",
             Text("线下培训", "Offline training"),
             _DAILY_8, credit=POOL),
    KindRule("priority_training", "四(二)3",
             Text("重点项目/高级研修", "Priority project / advanced seminar"),
             Text("按实际学时的2倍认定,每天不超过16学时",
                  "Twice the actual hours, at most 16 a day."),
             credit=POOL, multiplier=2, served_first=True),
    KindRule("online_training", "四(二)4",
             Text("线上培训", "Online training"),
             Text("按实际学时认定,每人每天合计不超过8学时;通过微信或微信群等形式组织的不予认定",
                  "Actual hours, at most 8 a day per person; training run through WeChat "
                  "or WeChat groups earns nothing."),
             credit=POOL, extra_fields=(CHANNEL,)),
    KindRule("academic_activity", "四(三)1",
             Text("学术会议等活动", "Academic conference or similar"),
             _DAILY_8, credit=POOL, claimable=True),
    KindRule("education_or_tour", "四(三)2",
             Text("自学考试/学历教育/出国(境)考察", "Self-study exam / degree study / study tour abroad"),
             Text("每项按10学时折算,每年累计不超过40学时",
                  "10 hours each, at most 40 a year."),
             credit=UNIT, unit=10, cap_group="education_or_tour", claimable=True),
    KindRule("achievement", "四(三)3",
             Text("技术奖励/专利/课题/论文等成果", "Award, patent, project, paper or similar"),
             Text("每项按10学时折算,每年累计不超过30学时(同一项目成果不重复计算)",
                  "10 hours each, at most 30 a year (the same project counts once)."),
             credit=UNIT, unit=10, extra_fields=(PROJECT,), cap_group="achievement", claimable=True),
    KindRule("qualification_exam", "四(三)4",
             Text("职业资格考试", "Professional qualification exam"),
             Text("每项按16学时折算,注册考试类按每门课程折算",
                  "16 hours each; a registration exam counts 16 per course passed."),
             credit=UNIT, unit=16, extra_fields=(COURSES,), claimable=True),
    KindRule("expert_service", "四(三)5",
             Text("专家服务", "Expert service"),
             _DAILY_8, credit=POOL, claimable=True),
    KindRule("assignment", "四(三)6",
             Text("援派及支教支农支医扶贫", "Assignment or rural support work"),
             Text(_MONTHS_TEXT + "。" + _ROUNDING,
                  _MONTHS_EN.capitalize() + ". " + _ROUNDING_EN + "."),
             credit=MONTHS, category=SPLIT, claimable=True),
    KindRule("leave_exemption", "四(三)7",
             Text("境外工作/病假/产假", "Work abroad / sick leave / maternity leave"),
             Text(_MONTHS_TEXT + ";境外工作、病假须年度内超过6个月。" + _ROUNDING,
                  _MONTHS_EN.capitalize() + "; work abroad and sick leave must exceed "
                  "six months in the year. " + _ROUNDING_EN + "."),
             credit=MONTHS, category=SPLIT, extra_fields=(REASON,), claimable=True),
)

_IN_ORDER = "本平台认定口径:按日期先后(同日按录入顺序)计入,超出部分不予认定"
_IN_ORDER_EN = ("this platform's rule: counted in order of date (the same day in the order "
                "entered); the excess does not count")

CAPS = (
    CapGroup("public_subject_exam", "四(二)1", limit=30, note=Text(
        "四(二)1:公需科目学习“考试合格的……登记学时,每年不超过30学时”。" + _IN_ORDER,
        "四(二)1: passed public-subject exams \"count at most 30 hours a year\"; "
        + _IN_ORDER_EN + ".")),
    CapGroup("education_or_tour", "四(三)2", limit=40, note=Text(
        "四(三)2:自学考试、在职学历教育及出国(境)考察“每项按10学时折算,每年累计不超过40学时”。"
        + _IN_ORDER,
        "四(三)2: self-study exams, degree study and study tours abroad \"count 10 hours "
        "each, at most 40 a year in all\"; " + _IN_ORDER_EN + ".")),
    CapGroup("achievement", "四(三)3", limit=30, dedupe_project=True, note=Text(
        "四(三)3:技术奖励、专利、课题、论文等成果“每项按10学时折算,每年累计不超过30学时”。"
        + _IN_ORDER,
        "四(三)3: awards, patents, projects, papers and similar results \"count 10 hours "
        "each, at most 30 a year in all\"; " + _IN_ORDER_EN + ".")),
)

MONTHS_RULE = MonthsRule(
    public_per_month=Decimal("2.5"),      # 30 / 12
    professional_per_month=5,             # 60 / 12
    max_months=12,
    round_up_days=15,
    reasons=frozenset({"overseas", "illness", "maternity"}),
    threshold_reasons=frozenset({"overseas", "illness"}),
    threshold_days=183,                   # more than half of 2026's 365 days
    note=Text(
        "四(三)6、7:援派、支教支农支医扶贫及境外工作、病假、产假“公需科目30学时、专业科目60学时"
        "(不足一年的,按月份比例计算)”。本平台认定口径:以上各项合计每年最多认定12个月"
        "(公需30学时、专业60学时),按开始日期先后计入,超出部分不予认定",
        "四(三)6, 7: assignments, rural support work and work abroad, sick or maternity leave "
        "\"count 30 public and 60 professional hours (pro rata by months for less than a "
        "year)\"; this platform's rule: all of them together count at most 12 months a year "
        "(30 public and 60 professional hours), in order of start; the excess does not count."),
)

NOTES = {
    "invalid": Text(
        "本平台认定口径:记录不完整或格式有误(活动类型未知、字段缺失、日期或学时格式错误、编号重复等),不予认定",
        "This platform's rule: a record that is incomplete or malformed (unknown kind, missing "
        "field, bad date or hours, repeated id...) earns no hours."),
    "out_of_scope": Text(
        "二:“我市卫生、中小学教师、会计职称系列的继续教育学时认定、登记等工作,分别由市卫生健康委"
        "(市卫生健康人才发展中心)、市教育局、市财政局负责并按其规定执行”;本平台不作认定",
        "二: \"the hours of the health, primary and secondary school teacher and accounting title "
        "series are recognised "
        "and registered by the Qingdao Health Commission (Qingdao Health Talent Development "
        "Center), the Education Bureau and the Finance Bureau under their own rules\"; this "
        "platform makes no finding."),
    "wechat_not_recognized": Text(
        "四(二)4:“对于通过微信或微信群等形式组织的线上培训,不予认定学时”",
        "四(二)4: \"online training organised through WeChat or WeChat groups earns no hours\"."),
    "out_of_year": Text(
        "一:专业技术人员“每年参加继续教育累计不少于90学时”。本平台认定口径:学时按公历年度"
        "计算,不在2026年度内的日期不计入本年度",
        "一: professionals \"take at least 90 hours of continuing education each year\"; "
        "this platform's rule: hours count by calendar year, and "
        "dates outside 2026 do not count for 2026."),
    "exam_not_passed": Text(
        "四(二)1:参加公需科目学习,“考试合格的……登记学时”;本次考试未合格,不予登记",
        "四(二)1: public-subject study \"earns hours when the exam is passed\"; this exam "
        "was not passed."),
    "threshold_not_met": Text(
        "四(三)7:“因公派,年度在境外工作超过6个月”或“因受伤、患重病,年度内请假超过6个月”的,"
        "方可获得学时。本平台认定口径:同一事由的各条记录在本年度内覆盖的天数合计(重叠的日子只计一次)"
        "须超过全年天数的一半,2026年为至少183天(全年365天)",
        "四(三)7: hours are earned for \"work abroad on assignment of more than 6 months in "
        "the year\" or \"sick leave after injury or serious illness of more than 6 months in "
        "the year\"; this platform's rule: the days of the year covered by that reason's "
        "records together (a day covered twice counts once) must be more than half the year: "
        "at least 183 of 365 days in 2026."),
    "duplicate_project": Text(
        "四(三)3:“同一项目成果,不重复计算”。本平台认定口径:项目名称统一全角半角、不分大小写、"
        "去掉空白后相同的为同一项目;往年已认定的项目本年度不再计算,同一年度只计日期最早的一项",
        "四(三)3: \"the same project counts once\"; this platform's rule: project names that "
        "are equal once full-width characters are made half-width, case is ignored and white "
        "space removed are one project; a project counted in an earlier year does not count "
        "again, and within the year only the earliest item counts."),
    "merged_period": Text(
        "四(三)6、7:“不足一年的,按月份比例计算”。本平台认定口径:援派、境外工作、病假、产假的期间"
        "相连(后一段在前一段结束次日或之前开始)或重叠的,合并为一段按月计算,同一时段不重复认定;"
        "学时记在该段开始最早的记录上,本记录的天数已计入该段",
        "四(三)6, 7: \"pro rata by months for less than a year\"; this platform's rule: "
        "periods of assignments and leave that overlap or touch (the next starts on or before "
        "the day after the last ends) are merged into one run counted in months, and no period "
        "is credited twice; the hours go to the run's earliest record, and this record's days "
        "are counted in that run."),
    "daily_cap": Text(
        "四(二)2、4,四(三)1、5:“每天不超过8学时”;四(二)3:“按实际学时的2倍予以认定,每天不超过16学时”。"
        "本平台认定口径:同一人同一天的各项按天计学时的活动合计不超过8个实际学时(重点项目、高级研修"
        "按2倍计,当天最多16学时),先计重点项目、高级研修,其余按录入顺序,超出部分不予认定",
        "四(二)2, 4, 四(三)1, 5: \"at most 8 hours a day\"; 四(二)3: \"2 times the actual "
        "hours, at most 16 a day\"; this platform's rule: all of a person's daily activities "
        "of one day together count at most 8 actual hours (priority projects and advanced "
        "seminars count 2 times, at most 16 that day), priority projects and seminars first, "
        "the others in the order entered; the excess does not count."),
    "annual_cap": Text(
        "四(二)1、四(三)2、3、6、7:超出该类学时每年上限的部分不予认定",
        "四(二)1, 四(三)2, 3, 6, 7: hours above the year's cap of their kind do not count."),
    "counted_per_item": Text(
        "四(三)4:职业资格考试“每项按16学时折算,其中注册考试类按每门课程折算”;本项不是注册类考试,按一项计16学时",
        "四(三)4: a qualification exam \"counts 16 hours per item; a registration exam counts "
        "per course\"; this one is not a registration exam, so it counts 16 hours as one item."),
}

# 四(二)3: only *offline* training in a project of the published 2026 list counts
# double; an advanced seminar (national, provincial, city) counts double in any mode.
CLASS_KINDS = {
    PUBLISHED_PROJECT: {"offline": "priority_training", "online": "online_training"},
    SEMINAR: {"offline": "priority_training", "online": "priority_training"},
    OTHER_CLASS: {"offline": "offline_training", "online": "online_training"},
}

# 二: who recognises the hours of the series this platform does not
OUT_OF_SCOPE_HANDLERS = {
    "health": Text("市卫生健康委(市卫生健康人才发展中心)",
                   "the Qingdao Health Commission (Qingdao Health Talent Development Center)"),
    "k12_teacher": Text("市教育局", "the Qingdao Education Bureau"),
    "accounting": Text("市财政局", "the Qingdao Finance Bureau"),
}

CHANNEL_LABELS = {
    "platform": Text("学习平台", "Learning platform"),
    "live": Text("直播平台", "Live streaming platform"),
    "video_meeting": Text("视频会议", "Video meeting"),
    "other": Text("其他", "Other"),
    "wechat": Text("微信", "WeChat"),
    "wechat_group": Text("微信群", "WeChat group"),
}

RULE_SET = RuleSet(
    year=2026,
    required_public=30,
    required_professional=60,
    out_of_scope_series=frozenset({"health", "k12_teacher", "accounting"}),
    daily_pool_hours=8,
    day_max_hours=24,
    channels=frozenset({"platform", "live", "video_meeting", "other", "wechat",
                        "wechat_group"}),
    unrecognized_channels=frozenset({"wechat", "wechat_group"}),
    months=MONTHS_RULE,
    caps=CAPS,
    kinds=KINDS,
    notes=NOTES,
    revision=2,  # rules-2026.md revision 2 (2026-12)
    class_kinds=CLASS_KINDS,
    out_of_scope_handlers=OUT_OF_SCOPE_HANDLERS,
    channel_labels=CHANNEL_LABELS,
)
