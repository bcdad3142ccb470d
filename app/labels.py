"""Every code a person reads, as "中文 / English": one table, keyed by vocabulary, for the API, reports and template.

A code means different things in different vocabularies (`dismissed` is an end reason, 被辞退, and an answer to a
risk flag, 不予处理), so a label is always looked up by vocabulary and code. Input accepts a code, its Chinese
label or one of the other Chinese words a clerk is likely to type (the import template's words), so the JSON API
and the spreadsheet read the same values.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from matching.bilingual import zh_en


@dataclass(frozen=True)
class Label:
    zh: str
    en: str
    aliases: tuple[str, ...] = ()  # other Chinese words for the same code, accepted on input

    @property
    def text(self) -> str:
        return zh_en(self.zh, self.en)


L = Label
VOCABULARIES: dict[str, dict[str, Label]] = {
    "education": {
        "none": L("无", "None", ("未上学",)),
        "primary": L("小学", "Primary"),
        "junior_secondary": L("初中", "Junior secondary"),
        "senior_secondary": L("高中", "Senior secondary"),
        "vocational": L("中专", "Vocational secondary", ("中职", "职高", "技校")),
        "college": L("大专", "College"),
        "bachelor_plus": L("本科及以上", "Bachelor or higher", ("本科", "研究生")),
    },
    # A worker's wish (`any` included) and a placement's channel in the reports share one vocabulary.
    "channel": {
        "cross_region": L("异地转移", "Cross-region transfer", ("跨区域", "跨省转移", "异地转移就业")),
        "local": L("就地", "Local (home county)", ("本地", "就地就业")),
        "nearby": L("就近", "Nearby (home province)", ("就近就业",)),
        "any": L("不限", "Any", ("均可",)),
    },
    "shift": {
        "day": L("白班", "Day shift", ("常白班",)),
        "two_shift": L("两班倒", "Two shifts"),
        "three_shift": L("三班倒", "Three shifts"),
    },
    "vacancy_status": {"open": L("招聘中", "Open"), "closed": L("已停招", "Closed", ("已关闭",))},
    "placement_status": {
        "upcoming": L("待上岗", "Upcoming"),
        "active": L("在岗", "Active"),
        "ended": L("已结束", "Ended"),
    },
    "end_reason": {
        "quit_wage": L("因工资辞职", "Quit over pay"),
        "quit_conditions": L("因工作条件辞职", "Quit over working conditions"),
        "quit_family": L("因家庭原因辞职", "Quit for family reasons"),
        "quit_homesick": L("想家辞职", "Quit, homesick"),
        "dismissed": L("被辞退", "Dismissed by the employer"),
        "contract_ended": L("合同期满", "Contract ended"),
        "injury": L("工伤或疾病", "Injury or illness", ("工伤",)),
        "dispute": L("劳动争议", "Labour dispute"),
        "other": L("其他", "Other"),
        "unknown": L("未填写", "Not recorded"),
    },
    "contact": {
        "phone": L("电话", "Phone call"),
        "visit": L("上门走访", "Visit", ("走访", "上门")),
        "message": L("短信或微信", "Message", ("短信", "微信")),
    },
    "outcome": {
        "ok": L("正常", "All well"),
        "concern": L("有顾虑", "Concern raised"),
        "left": L("已离岗", "Has left the job"),
        "unreachable": L("联系不上", "Unreachable"),
    },
    "flag_decision": {
        "contacted": L("已联系", "Contacted"),
        "dismissed": L("不予处理", "Dismissed, no action needed"),
        "escalated": L("已上报", "Escalated"),
    },
    "action": {
        "call": L("本周电话回访", "Call this week"),
        "visit": L("上门走访", "Visit"),
        "employer_talk": L("与企业沟通", "Talk to the employer"),
        "transfer": L("协助转岗", "Help to change jobs"),
        "dispute_case": L("立案维权", "Open a dispute case"),
        # rights cases: the action an open wage-arrears case at the employer adds beside the model's
        "check_wages": L("核查工资发放", "Check wages"),
    },
    # Why the departure model flags a placement (stored with each score as {code, zh, en}).
    "risk_reason": {
        "wage_gap": L("工资低于本人期望", "pay is below what the worker expects"),
        "far_no_housing": L("离家远且不包住", "far from home and no dormitory"),
        "log_distance_km": L("离家较远", "far from home"),
        "occupation_desired": L("不是本人想做的工种", "not the kind of work the worker asked for"),
        "channel_agrees": L("务工去向与本人意愿不一致", "not where the worker wanted to work"),
        "prior_early_exits": L("以前有过短期离岗", "left earlier jobs within 90 days"),
        "prior_quit_wage": L("以前因工资离职", "left an earlier job over pay"),
        "fu_concern": L("回访中反映有顾虑", "raised concerns at follow-ups"),
        "fu_last_concern": L("最近一次回访反映有顾虑", "raised a concern at the last follow-up"),
        "fu_unreachable": L("回访联系不上", "could not be reached at follow-ups"),
        "fu_last_unreachable": L("最近一次回访联系不上", "could not be reached at the last follow-up"),
        "missed_checkins": L("有应回访未回访", "scheduled check-ins were missed"),
        "days_since_contact": L("很久没有联系", "no contact for a long time"),
        "note_wage": L("反映工资问题", "complained about pay"),
        "note_arrears": L("反映欠薪或合同争议", "reported unpaid wages or a contract dispute"),
        "note_conditions": L("反映夜班、宿舍或劳动强度问题", "complained about shifts, dormitory or workload"),
        "note_home": L("想家或家里有事", "homesick or needed at home"),
        "festival_overlap": L("临近春节", "Spring Festival is near"),
        "dependants": L("家中需要照顾的人多", "several dependants at home"),
        # rights cases: a rule's reason shown beside the model's (it does not change the probability)
        "open_wage_case": L("该企业有未办结的欠薪案件", "the employer has an open wage-arrears case"),
    },
    "allocation_method": {
        "min_cost_flow": L("最小费用流", "Min-cost flow"),
        "greedy": L("贪心分配", "Greedy"),
        "stable": L("稳定匹配", "Stable matching"),
    },
    "allocation_objective": {
        "retention": L("稳岗优先", "Retention first"),
        "placed_first": L("就业人数优先", "Most placed first"),
    },
    "allocation_item_status": {
        "proposed": L("待确认", "Proposed"),
        "accepted": L("已接受", "Accepted"),
        "rejected": L("已拒绝", "Rejected"),
    },
    "follow_up_kind": {
        "all": L("合计", "All"),
        "week_1": L("上岗第1周回访", "Week-1 call"),
        "week_4": L("上岗第4周回访", "Week-4 call"),
        "week_12": L("上岗第12周回访", "Week-12 call"),
        "after_concern": L("反映顾虑后回访", "Call after a concern"),
    },
    "metric": {
        "new_placements": L("新增就业", "New placements"),
        "active_at_week_end": L("周末在岗", "Active at week end"),
        "departures": L("离岗", "Departures"),
        "early_departures": L("90天内离岗", "Early departures (under 90 days)"),
        "retention_90": L("90天留存率", "90-day retention"),
        "ytd_placements": L("年内就业", "Placements this year"),
        "annual_target": L("年度目标", "Annual target"),
        "ytd_target_share": L("目标完成", "Share of the target"),
        # the monthly consultation pack
        "month": L("本月", "This month"),
        "target_month": L("本月折算目标", "Target pro-rated to the month"),
        "month_target_share": L("本月目标完成", "Share of the month's target"),
        "ytd": L("年内累计", "Year to date"),
        "target_ytd": L("年内折算目标", "Target pro-rated to date"),
        "window_start": L("统计起始日", "Window starts"),
        "ended": L("本月离岗", "Ended this month"),
        "count": L("离岗人数", "Count"),
        "share": L("占比", "Share"),
        "open_demand": L("东部缺口人数", "Open eastern demand"),
        "unplaced_supply": L("西部待就业人数", "Unplaced western supply"),
        "gap": L("供需差", "Gap (demand − supply)"),
        "open_at_month_end": L("月末未结", "Open at month end"),
        "overdue_at_month_end": L("月末超期", "Overdue at month end"),
        "raised": L("本月新增事项", "Raised this month"),
        "carried_over": L("上月结转事项", "Carried over"),
        "closed": L("本月办结或撤销", "Closed this month"),
        "status": L("状态", "Status"),
        "owner_name": L("责任单位", "Owner"),
        "due_date": L("完成期限", "Due date"),
        "overdue": L("超期", "Overdue"),
        "closing_note": L("办理情况", "Closing note"),
        "done_on_time": L("按期办结", "Done by the due day"),
        "done_on_time_share": L("按期办结率", "Share done by the due day"),
        "amount_fen": L("金额（分）", "Amount (fen)"),
        "accrued_net_fen": L("净计提（分）", "Accrued, net (fen)"),
        "paid_net_fen": L("净发放（分）", "Paid, net (fen)"),
        "year_elapsed_share": L("时间进度", "Share of the year elapsed"),
        "share_of_pairing": L("本范围占结对比重", "This scope's share of the pairing"),
        "follow_ups_due": L("应回访", "Follow-ups due"),
        "follow_ups_done": L("已回访", "Follow-ups done"),
        "scored": L("已评分", "Scored"),
        "flagged": L("风险提示", "Flagged"),
        "pairing_ytd_placements": L("结对年内就业", "The pairing's placements this year"),
        "ytd_retention_90": L("年内90天留存", "90-day retention this year"),
        "this_week": L("本周", "This week"),
        "last_week": L("上周", "Last week"),
        "change": L("变化", "Change"),
        "placements": L("人数", "Placements"),
        "estimate": L("估计值", "Estimate"),
        "ci_low": L("95%置信下限", "95% CI low"),
        "ci_high": L("95%置信上限", "95% CI high"),
        "at_risk": L("仍在观察人数", "Number still observed"),
        "due": L("应访", "Due"),
        "done": L("已访", "Done"),
        "done_share": L("回访完成率", "Share done"),
        "note": L("说明", "Note"),
        "source": L("评分来源", "Source of the scores"),
        "reviews": L("答复数", "Answers"),
        "worker_id": L("劳动者编号", "Worker id"),
        "hukou_county": L("户籍县代码", "Hukou county code"),
        "hukou_county_name": L("户籍县", "Hukou county"),
        "employer_id": L("企业编号", "Employer id"),
        "employer_name": L("企业", "Employer"),
        "vacancy_title": L("岗位", "Vacancy"),
        "channel": L("渠道代码", "Channel code"),
        "channel_label": L("渠道", "Channel"),
        "start_date": L("上岗日期", "Start date"),
        "days_in_job": L("在岗天数", "Days in the job"),
        "risk_30": L("30天离岗风险", "Risk of leaving by day 30"),
        "risk_90": L("90天离岗风险", "Risk of leaving by day 90"),
        "risk_180": L("180天离岗风险", "Risk of leaving by day 180"),
        "reasons": L("原因", "Reasons"),
        "action": L("建议代码", "Action code"),
        "action_label": L("建议", "Action"),
        "model_version": L("模型版本", "Model version"),
        "answered_this_week": L("本周答复", "Answered this week"),
        "east_code": L("东部地区代码", "East region code"),
        "west_code": L("西部地区代码", "West region code"),
        "level": L("层级", "Level"),
        "illustrative": L("示例数据", "Illustrative"),
        # rights cases in the weekly report
        "opened": L("本周立案", "Opened this week"),
        "resolved": L("本周办结", "Resolved this week"),
        "open_at_week_end": L("周末未结", "Open at week end"),
        "overdue_at_week_end": L("周末超期", "Overdue at week end"),
        "median_working_days_to_resolution": L("办结用时中位数（工作日）", "Median working days to resolution"),
        "claimed_fen_resolved": L("办结案件诉求金额（分）", "Claimed in cases resolved (fen)"),
        "recovered_fen_resolved": L("办结案件追回金额（分）", "Recovered in cases resolved (fen)"),
        "departures_with_case_share": L("离岗中有案件的比例", "Share of departures with a case"),
        "open_cases": L("未结拖欠工资案件", "Open wage-arrears cases"),
        # training in the weekly report
        "classes_running_at_week_end": L("周末在办培训班", "Classes running at week end"),
        "enrolled": L("本周报名", "Enrolled this week"),
        "completed": L("本周结业", "Completed this week"),
        "dropped": L("本周退学", "Dropped this week"),
        "graduates_placed_within_30_days": L("结业30天内就业", "Graduates placed within 30 days"),
        "classes_ended_from": L("结业班次起始日", "Classes ended from"),
        "classes_ended_to": L("结业班次截止日", "Classes ended by"),
        "graduates": L("结业学员", "Graduates"),
        "placed": L("已就业", "Placed"),
        "commitments": L("订单班招用承诺", "Order-class hire commitments"),
        "committed": L("承诺招用", "Committed hires"),
        "graduates_hired": L("已招用结业学员", "Graduates hired"),
        "fulfilled_share": L("承诺兑现率", "Share of the commitment kept"),
        "occupations": L("涉及工种", "Occupations"),
        "untrained_same_occupations": L("同工种未培训人员", "Untrained workers, same occupations"),
        "retention": L("留存", "Retention"),
        # the quarterly evaluation
        "target_quarter": L("本季折算目标", "Target pro-rated to the quarter"),
        "target_share": L("折算目标完成率", "Share of the pro-rated target"),
        "lasted_180": L("稳定就业满180天", "Placements that lasted 180 days"),
        "reached_180": L("本季应满180天", "Placements reaching day 180 in the quarter"),
        "lasted_180_share": L("180天稳岗率", "Share that lasted 180 days"),
        "low_income_placements": L("低收入及监测户就业", "Placements from low-income or monitored households"),
        "low_income_share": L("低收入及监测户占比", "Share from low-income or monitored households"),
        "lifted": L("连续就业满6个月（脱贫口径）", "In work 6 continuous months (lifted proxy)"),
        "lifted_cohort": L("本季应满6个月", "Reaching 6 months in the quarter"),
        "lifted_share": L("连续就业6个月比例", "Share in work 6 continuous months"),
        "active_placements": L("本季在岗人次", "Placements active in the quarter"),
        "rights_cases": L("本季权益案件", "Rights cases opened in the quarter"),
        "rights_cases_per_100": L("每百人权益案件", "Rights cases per 100 placements"),
        "training_graduates_placed": L("培训结业后就业", "Training graduates placed"),
        "training_share": L("培训就业占比", "Share placed after training"),
        "score": L("综合得分", "Score"),
        "grade": L("评定等级", "Grade"),
        "weight": L("权重", "Weight"),
        "value": L("分项得分", "Component score"),
        "below_target": L("低于目标60%", "Below 60 % of the target"),
        "review_flag": L("连续两季低于目标，需复核", "Two quarters in a row below target: review"),
        "previous_quarter": L("上一季度", "Previous quarter"),
        "placements_change": L("就业人数变化", "Change in placements"),
        "target_share_change": L("目标完成率变化", "Change in the share of the target"),
        "score_change": L("得分变化", "Change in score"),
        "rectification_action_id": L("整改事项编号", "Rectification action"),
    },
    "risk_source": {"snapshot": L("本周冻结", "Frozen by the week's run"), "live": L("实时", "Live")},
    "pairing_level": {
        "province": L("省级", "Province"),
        "prefecture": L("市级", "Prefecture"),
        "county": L("县级", "County"),
    },
    "definition": {
        "week": L("周次", "Week"),
        "channel": L("就业渠道", "Channel"),
        "departures": L("离岗", "Departures"),
        "early_departure": L("90天内离岗", "Early departure"),
        "retention": L("留存率", "Retention"),
        "follow_ups": L("回访", "Follow-ups"),
        "at_risk": L("离岗风险", "At risk"),
        "pairing_target": L("结对目标", "Pairing targets"),
        "cases": L("权益案件", "Rights cases"),
        "training": L("培训", "Training"),
        "month": L("月份", "Month"),
        "target_month": L("目标折算", "Pro-rated targets"),
        "month_retention": L("月度留存率", "Retention in the pack"),
        "gaps": L("供需缺口", "Where the gaps are"),
        "month_cases": L("结对权益案件", "Rights cases on the route"),
        "services": L("服务事项", "Service tasks"),
        "spend": L("奖补支出", "Incentive spend"),
        "actions": L("会商事项", "Consultation actions"),
        "quarter": L("季度", "Quarter"),
        "quarter_target": L("季度目标折算", "The quarter's pro-rated target"),
        "lasted_180": L("稳定就业180天", "Lasting 180 days"),
        "low_income": L("低收入及监测户", "Low-income and monitored households"),
        "lifted": L("就业脱贫口径", "Lifted by employment (proxy)"),
        "quarter_cases": L("每百人权益案件", "Rights cases per 100 placements"),
        "training_placed": L("培训后就业", "Training graduates placed"),
        "score": L("综合得分与等级", "Score and grade"),
        "alerts": L("预警", "Alerts"),
        "trend": L("环比", "Trend against the previous quarter"),
    },
    # incentives
    "incentive_beneficiary": {
        "worker": L("劳动者", "Worker", ("务工人员", "个人")),
        "employer": L("用工企业", "Employer", ("企业",)),
        "agency": L("劳务中介", "Labour agency", ("中介", "人力资源服务机构")),
        "broker": L("劳务经纪人", "Labour broker", ("经纪人",)),
        "training_school": L("培训机构", "Training school", ("技工学校", "培训学校")),
    },
    "incentive_trigger": {
        "placement_started": L("上岗", "Placement started", ("就业", "入职")),
        "continuous_days": L("连续就业满天数", "Continuous days in work", ("稳岗", "稳定就业")),
        "training_completed": L("培训结业", "Training completed", ("结业", "培训合格")),
    },
    "incentive_amount_mode": {
        "fixed": L("定额", "Fixed amount", ("固定金额",)),
        "actual_capped": L("据实限额", "Actual cost up to a cap", ("据实报销", "限额")),
    },
    "incentive_entry_kind": {
        "accrual": L("计提", "Accrual", ("应发",)),
        "hold": L("暂缓", "Hold", ("挂起",)),
        "release": L("解除暂缓", "Release"),
        "approval": L("审核通过", "Approval", ("批准",)),
        "payment": L("已发放", "Payment", ("支付", "发放")),
        "clawback": L("追回", "Clawback"),
        "reversal": L("冲销", "Reversal", ("冲正",)),
    },
    "incentive_status": {
        "in_publicity": L("公示中", "In publicity"),
        "accrued": L("待审核", "Accrued, awaiting approval", ("已计提",)),
        "held": L("暂缓发放", "Held"),
        "approved": L("已审核", "Approved"),
        "paid": L("已发放", "Paid"),
        "reversed": L("已冲销", "Reversed", ("已追回",)),
    },
    "incentive_exclusion": {
        "free_transport": L("已享受点对点免费输送", "Free point-to-point transport was used", ("免费输送",)),
    },
    "incentive_household": {
        "registered_low_income": L("脱贫户（原建档立卡）", "Registered low-income household", ("建档立卡", "脱贫户")),
        "monitored": L("防返贫监测对象", "Monitored household", ("监测对象", "监测户")),
    },
    "clawback_ground": {
        "error": L("错发", "Paid in error", ("差错",)),
        "fraud": L("骗取", "Fraud", ("虚假",)),
        "duplicate": L("重复登记", "Duplicate registration", ("重复",)),
        "dismissed_without_cause": L("企业无故辞退", "Dismissed without cause", ("无故辞退",)),
    },
    "incentive_milestone": {
        "start": L("上岗", "Started"),
        "training": L("培训结业", "Training completed"),
    },
    # training: modes and states of classes and enrolments, a result
    "training_mode": {
        "order_class": L("订单班", "Order class (hire on completion)", ("订单式培训", "订单培训")),
        "short_course": L("短期培训", "Short course", ("短训班",)),
        "on_the_job": L("岗位培训", "On-the-job training", ("在岗培训", "以工代训")),
    },
    "training_class_status": {
        "planned": L("计划中", "Planned"),
        "enrolling": L("招生中", "Enrolling", ("报名中",)),
        "running": L("开班中", "Running", ("培训中",)),
        "completed": L("已结业", "Completed", ("已结束",)),
        "cancelled": L("已取消", "Cancelled"),
    },
    "enrolment_status": {
        "enrolled": L("在训", "Enrolled", ("已报名",)),
        "completed": L("已结业", "Completed", ("结业",)),
        "dropped": L("已退训", "Dropped out", ("退训", "中途退出")),
        "failed": L("未通过", "Failed", ("不合格",)),
    },
    "training_result": {
        "pass": L("合格", "Pass", ("通过", "考核合格")),
        "fail": L("不合格", "Fail", ("未通过", "考核不合格")),
    },
    # rights cases
    "case_kind": {
        "wage_arrears": L("拖欠工资", "Wage arrears", ("欠薪", "讨薪")),
        "contract": L("劳动合同争议", "Contract dispute", ("合同争议", "未签合同", "违法解除", "扣押证件")),
        "insurance_unpaid": L("未缴社会保险", "Social insurance unpaid", ("未缴社保", "社保")),
        "work_injury": L("工伤", "Work injury", ("工伤认定",)),
        "occupational_disease": L("职业病", "Occupational disease"),
        "agency_misconduct": L("中介违规", "Agency misconduct", ("黑中介",)),
        "other": L("其他", "Other"),
    },
    "case_status": {
        "open": L("待受理", "Open", ("新登记",)),
        "accepted": L("已受理", "Accepted"),
        "in_progress": L("办理中", "In progress", ("处理中",)),
        "resolved": L("已办结", "Resolved", ("已解决",)),
        "rejected": L("不予受理", "Rejected"),
        "withdrawn": L("已撤回", "Withdrawn", ("撤回",)),
    },
    "case_action": {
        "open": L("登记立案", "Opened"),
        "contact": L("联系劳动者", "Contacted the worker", ("联系",)),
        "accept": L("受理", "Accept"),
        "refer": L("移送", "Refer (inspection, arbitration, injury decision)", ("转办", "移交")),
        "start": L("开始办理", "Start work"),
        "note": L("备注", "Note", ("记录",)),
        "resolve": L("办结", "Resolve", ("结案",)),
        "reject": L("不予受理", "Reject"),
        "withdraw": L("撤回", "Withdraw"),
        "reopen": L("重新办理", "Reopen", ("重启",)),
        "escalate": L("上报省级", "Escalate to the province", ("上报",)),
        "assign": L("转交", "Assign to another office", ("指派",)),
    },
    "calendar_day": {
        "holiday": L("休", "Holiday", ("放假", "节假日")),
        "workday": L("班", "Make-up working day", ("调休上班", "补班", "上班")),
    },
    # matching tiers of /matches, as a clerk reads them to the worker (training: the order class's vacancy)
    "match_tier": {
        "training": L("你结业的订单班对应的岗位", "the job your order class trained you for"),
        "wish": L("你想做的工种", "an occupation you asked for"),
        "skill": L("与你的技能或做过的工作同类", "in the family of your skills or past jobs"),
        "other": L("其他岗位", "other jobs"),
    },
    # one-stop service checklists (社保接续 / 医保异地就医备案)
    "service_task_kind": {
        "resident_medical_paid": L("城乡居民医保已缴当年费用", "Resident medical insurance paid for the year"),
        "medical_registration": L("异地就医备案", "Cross-region medical registration", ("就医备案", "异地备案")),
        "employee_insurance": L(
            "参加职工社会保险（含工伤保险）",
            "Enrolled in employee social insurance (incl. work-injury cover)",
            ("参保登记", "职工社保", "工伤保险"),
        ),
        "medical_transfer": L("医保关系转移接续", "Medical-insurance transfer", ("医保转移", "医保接续")),
        "pension_transfer": L("养老保险关系转移接续", "Pension-insurance transfer", ("养老转移", "养老接续")),
        "medical_gap_reminder": L(
            "离岗后医保断缴三个月提醒", "Reminder: 3-month medical-insurance gap after exit", ("断缴提醒",)
        ),
    },
    "service_stage": {
        "before_departure": L("出发前", "Before departure"),
        "on_hiring": L("入职时", "On hiring", ("入职",)),
        "on_exit": L("离岗时", "On exit", ("离岗",)),
    },
    "service_responsible": {
        "county_office": L("县级人社部门", "County labour office", ("县人社局", "就业服务中心")),
        "employer": L("用工企业", "Employer", ("企业",)),
        "station": L("劳务协作站", "Labour-cooperation station", ("协作站",)),
    },
    "service_task_status": {
        "todo": L("待办", "To do", ("未办",)),
        "in_progress": L("办理中", "In progress", ("处理中",)),
        "awaiting_external": L("等待外部办理", "Awaiting another office", ("等待经办机构",)),
        "done": L("已办结", "Done", ("已完成", "完成")),
        "blocked": L("受阻", "Blocked", ("无法办理",)),
        "not_needed": L("无需办理", "Not needed", ("不需要",)),
    },
    "yes_no": {
        "yes": L("是", "Yes"),
        "no": L("否", "No"),
    },
    "consultation_action_status": {
        "open": L("待办", "Open", ("未开始",)),
        "in_progress": L("推进中", "In progress", ("办理中", "进行中")),
        "done": L("已办结", "Done", ("已完成", "完成")),
        "dropped": L("已撤销", "Dropped", ("撤销", "取消")),
    },
    "evaluation_status": {
        "draft": L("草稿", "Draft", ("待提交",)),
        "submitted": L("已提交", "Submitted", ("提交", "待审核")),
        "reviewed": L("已审核", "Reviewed", ("审核", "审核通过")),
        "final": L("已定稿", "Final", ("定稿", "终稿")),
    },
    "evaluation_grade": {
        "excellent": L("优秀", "Excellent"),
        "good": L("良好", "Good"),
        "pass": L("合格", "Pass"),
        "fail": L("不合格", "Fail"),
        "ungraded": L("无法评定", "Not graded (no figure to score)"),
    },
    "proposal_kind": {
        "target_shift": L("调整结对目标", "Move target between pairings"),
        "new_link": L("新增结对", "A new pairing"),
        "retire_link": L("撤销结对", "Retire a pairing"),
        "channel_shift": L("转向就地就近就业", "Shift to local or nearby work"),
    },
    "proposal_decision": {
        "accept": L("采纳", "Accept", ("同意", "接受")),
        "reject": L("不采纳", "Reject", ("拒绝", "驳回")),
    },
    "evaluation_component": {
        "target": L("目标完成", "Share of the pro-rated target"),
        "lasted_180": L("180天稳岗", "Lasting 180 days"),
        "low_income": L("低收入及监测户占比", "From low-income or monitored households"),
        "lifted": L("连续就业6个月", "In work 6 continuous months"),
        "rights": L("权益保障", "Few rights cases"),
        "training": L("培训后就业", "Placed after training"),
    },
    "service_flag": {
        "injury_cover_unconfirmed": L("上岗满30天未确认参加工伤保险", "Work-injury cover not confirmed by day 30"),
    },
}
# Which metrics are good news when they rise: the report page colours a change green or red by this.
HIGHER_IS_BETTER: dict[str, bool] = {
    "new_placements": True,
    "active_at_week_end": True,
    "retention_90": True,
    "departures": False,
    "early_departures": False,
}


def label(vocabulary: str, code: str | None) -> str | None:
    """ "初中 / Junior secondary" for ("education", "junior_secondary"); an unknown code is shown as it is."""
    if code is None:
        return None
    found = VOCABULARIES[vocabulary].get(code)
    return found.text if found else code


def yes_no(flag: bool) -> str | None:
    """是 / Yes or 否 / No: how a flag reads in a cell or on a page."""
    return label("yes_no", "yes" if flag else "no")


def zh(vocabulary: str, code: str) -> str:
    found = VOCABULARIES[vocabulary].get(code)
    return found.zh if found else code


def words(vocabulary: str) -> dict[str, str]:
    """Every Chinese word accepted for a code of this vocabulary (labels first, then aliases) -> the code."""
    out: dict[str, str] = {}
    for code, item in VOCABULARIES[vocabulary].items():
        out.setdefault(item.zh, code)
    for code, item in VOCABULARIES[vocabulary].items():
        for alias in item.aliases:
            out.setdefault(alias, code)
    return out


def to_code(vocabulary: str, value: Any, codes: Iterable[str] | None = None) -> Any:
    """The code for a code (any case), a Chinese label or an alias; anything else is returned unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    allowed = set(VOCABULARIES[vocabulary]) if codes is None else set(codes)
    if text.lower() in allowed:
        return text.lower()
    code = words(vocabulary).get(text)
    return code if code in allowed else value


@dataclass(frozen=True)
class Coded:
    """Annotated marker: the field takes one of `codes`, written as the code or its Chinese word.

    A value that is neither is refused with a message listing the Chinese labels (and the codes in English).
    """

    vocabulary: str
    codes: tuple[str, ...]

    def _parse(self, value: Any) -> Any:
        code = to_code(self.vocabulary, value, self.codes)
        if code in self.codes:
            return code
        raise self.error()

    def error(self) -> PydanticCustomError:
        table = VOCABULARIES[self.vocabulary]
        names = "、".join(table[c].zh if c in table else c for c in self.codes)
        codes = ", ".join(self.codes[:-1]) + f" or {self.codes[-1]}" if len(self.codes) > 1 else self.codes[0]
        return PydanticCustomError(
            "invalid",
            "{en}",
            {"zh": f"应为以下之一：{names}", "en": f"must be one of {codes} (or the Chinese label)"},
        )

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._parse, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json = handler(schema)
        if handler.mode == "validation":
            table = VOCABULARIES[self.vocabulary]
            chinese = [w for w, code in words(self.vocabulary).items() if code in self.codes]
            json = {
                **json,
                "enum": [*self.codes, *chinese],
                "description": "; ".join(f"{c} = {table[c].text}" for c in self.codes if c in table)
                + " (the Chinese word is accepted for the code)",
            }
            json.pop("const", None)
        return json


def template_words(vocabulary: str, codes: Iterable[str]) -> list[str]:
    """The Chinese labels of these codes in order: the import template's drop-down list."""
    return [VOCABULARIES[vocabulary][c].zh for c in codes]
