"""Hand-written lists behind the demo data: names, industries, places, follow-up notes, Spring Festival dates.

Everything here is demo material, not reference data: the real data lives in seed_data/*.csv (see PROVENANCE.md).
"""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Surnames common in Guangxi: Han surnames plus the Zhuang (韦 覃 蒙 陆 莫 农 岑 磨 班), Yao (盘 赵 邓 蓝)
# and Miao/Dong (杨 吴 石 龙 滕) surnames that make Guangxi name lists look the way they do. Weights are rough.
SURNAMES: dict[str, float] = {
    "黄": 10, "韦": 8, "李": 7, "陈": 6, "梁": 5, "覃": 5, "莫": 4, "罗": 4, "杨": 4, "蒙": 3, "陆": 3, "潘": 3,
    "卢": 3, "吴": 3, "刘": 3, "张": 3, "农": 2, "蓝": 2, "廖": 2, "谢": 2, "石": 2, "龙": 2, "赵": 2, "邓": 2,
    "唐": 2, "何": 2, "周": 2, "王": 2, "盘": 1.5, "黎": 1.5, "冯": 1, "苏": 1, "凌": 1, "岑": 1, "甘": 1,
    "欧": 1, "磨": 0.5, "班": 0.5, "滕": 0.5, "侯": 0.5, "银": 0.3, "玉": 0.3,
}  # fmt: skip
GIVEN_MALE = tuple("文志明海建国春强伟军永金宝福德荣成华勇杰俊涛斌鹏飞林东庆光朝家世兴贵才有锋辉亮超日新")
GIVEN_FEMALE = tuple("秀丽美春玉桂芳英兰凤红艳燕梅霞娟婷敏静琳慧雪金月花莲妹翠丹晓萍")

# Mobile prefixes in use (all match 1[3-9]).
PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 166 173 "
    "175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)

# P(education | age band): older workers in rural Guangxi left school earlier.
EDUCATION_BY_AGE = {
    "under_30": (0.01, 0.06, 0.45, 0.15, 0.22, 0.09, 0.02),
    "30_44": (0.03, 0.17, 0.55, 0.12, 0.09, 0.035, 0.005),
    "45_plus": (0.10, 0.40, 0.40, 0.07, 0.025, 0.005, 0.0),
}

# Mountain counties with many registered low-income households, weighted up as hukou counties. An approximation
# for demo weighting (drawn from the Yao/Zhuang/Miao mountain areas of Hechi, Baise, Liuzhou, Guilin, Laibin,
# Nanning, Chongzuo, Hezhou and Fangchenggang), not an official list.
MOUNTAIN_COUNTIES = _words(
    "450123 450124 450125 450224 450225 450226 450328 450329 450332 450327 450423 450621 451024 "
    "451026 451027 451028 451029 451030 451031 451081 451121 451123 451221 451222 451223 451224 "
    "451225 451226 451227 451228 451229 451321 451324 451424 451425 451422 451423"
)
COUNTY_WEIGHT = {"mountain": 6.0, "county": 2.0, "district": 0.4}

# Guangdong destinations of Guangxi migrant workers, weighted by how much factory and service hiring they do.
# 441900 (Dongguan) and 442000 (Zhongshan) are prefecture-level cities without counties: the city code stands in.
EAST_COUNTIES: dict[str, float] = {
    "441900": 10, "440306": 6, "440307": 5, "440309": 4, "440311": 2, "440310": 1, "442000": 5, "440606": 4,
    "440605": 4, "440607": 1, "440113": 2, "440111": 2, "440114": 2, "440118": 2, "441303": 2, "441322": 2,
    "441302": 1.5, "440705": 1, "440703": 1, "440402": 1.5, "440404": 1, "441284": 1, "441204": 1,
    "441802": 0.8, "440811": 0.6, "440902": 0.6, "441704": 0.5, "445303": 0.5,
}  # fmt: skip
# Prefectures whose wages are near the Pearl River Delta level; elsewhere in Guangdong wages are ~15 % lower.
DELTA_PREFECTURES = ("440100", "440300", "440400", "440600", "441300", "441900", "442000")


class Industry:
    """An industry: which occupation codes its vacancies carry (weights) and its working conditions."""

    def __init__(
        self,
        name: str,
        codes: dict[str, float],
        wage: tuple[int, int],
        housing: float,
        meals: float,
        shifts: tuple[float, float, float],
        manufacturing: bool,
    ) -> None:
        self.name, self.codes, self.wage = name, codes, wage
        self.housing, self.meals, self.shifts, self.manufacturing = housing, meals, shifts, manufacturing


# (name, {occupation code: weight}, (median wage_min, spread to wage_max), P(housing), P(meals),
#  P(day, two_shift, three_shift), manufacturing). Codes are the hand labels of real titles in
#  job_titles_labelled.csv; a vacancy's title is one of the real titles carrying its code.
EAST_INDUSTRIES: tuple[tuple[Industry, float], ...] = (
    (Industry("电子", {"6-25-00-00": 3, "6-00-00-00": 4, "6-31-03-05": 2, "4-08-05-07": 1, "6-31-05-00": 1,
                        "4-02-06-01": 0.5}, (4400, 1800), 0.85, 0.75, (0.3, 0.45, 0.25), True), 5.0),
    (Industry("五金机械", {"6-18-01-01": 2, "6-18-01-02": 1, "6-18-01-04": 1, "6-18-01-07": 1, "6-18-01-12": 1,
                          "6-18-02-04": 2, "6-18-02-05": 1, "6-18-04-01": 1, "6-20-01-01": 1, "6-31-01-00": 1,
                          "6-00-00-00": 2}, (4800, 2000), 0.8, 0.7, (0.45, 0.4, 0.15), True), 3.0),
    (Industry("塑胶制品", {"6-14-02-00": 3, "6-00-00-00": 3, "6-31-05-00": 1, "6-31-03-05": 1, "6-31-01-00": 0.5},
              (4300, 1600), 0.85, 0.7, (0.25, 0.45, 0.3), True), 2.0),
    (Industry("家具", {"6-06-03-01": 3, "6-29-04-01": 2, "6-31-05-00": 1, "6-00-00-00": 2},
              (4600, 2000), 0.8, 0.6, (0.75, 0.25, 0.0), True), 1.5),
    (Industry("服装", {"6-05-01-03": 4, "6-05-01-01": 1, "6-05-01-04": 1, "6-04-03-03": 1, "6-31-03-05": 1},
              (4300, 2200), 0.8, 0.6, (0.8, 0.2, 0.0), True), 2.0),
    (Industry("家电", {"6-24-05-02": 2, "6-29-03-02": 1, "6-29-03-08": 1, "6-31-01-03": 1, "6-00-00-00": 3,
                        "6-31-03-05": 1}, (4500, 1800), 0.85, 0.75, (0.35, 0.4, 0.25), True), 2.0),
    (Industry("食品", {"6-02-01-01": 2, "6-02-01-02": 1, "6-00-00-00": 2, "6-31-05-00": 2},
              (4000, 1400), 0.75, 0.8, (0.5, 0.4, 0.1), True), 1.0),
    (Industry("汽车零部件", {"6-22-00-00": 2, "6-22-02-01": 1, "6-18-02-04": 1, "6-30-05-01": 1, "6-00-00-00": 3},
              (4900, 1800), 0.85, 0.8, (0.3, 0.45, 0.25), True), 1.5),
    (Industry("物流", {"4-02-05-01": 2, "4-02-07-09": 3, "4-02-07-08": 2, "4-02-06-02": 1, "4-02-06-01": 1,
                        "6-30-05-01": 1, "4-02-02-02": 1, "4-10-08-01": 1}, (4800, 2200), 0.6, 0.5,
              (0.5, 0.35, 0.15), False), 2.0),
    (Industry("餐饮酒店", {"4-03-02-05": 4, "4-03-02-01": 2, "4-03-02-00": 2, "4-03-01-01": 1, "4-03-01-02": 1,
                          "4-09-08-01": 1}, (3900, 1300), 0.7, 0.95, (0.6, 0.4, 0.0), False), 2.0),
    (Industry("物业", {"4-07-05-01": 3, "4-09-08-01": 2, "6-31-01-10": 1, "6-31-01-03": 1},
              (3800, 1200), 0.6, 0.5, (0.5, 0.3, 0.2), False), 1.0),
    (Industry("零售", {"4-01-02-03": 3, "4-01-02-04": 2, "4-03-02-10": 1}, (3900, 1500), 0.4, 0.6,
              (0.6, 0.4, 0.0), False), 1.0),
)  # fmt: skip
# Assistance workshops (帮扶车间) in Guangxi counties: light assembly and piece work near home.
WEST_INDUSTRIES: tuple[tuple[Industry, float], ...] = (
    (Industry("服装加工", {"6-05-01-03": 4, "6-05-01-04": 1, "6-31-03-05": 1}, (2400, 800), 0.1, 0.5,
              (0.9, 0.1, 0.0), True), 3.0),
    (Industry("电子组装", {"6-25-00-00": 2, "6-00-00-00": 3, "6-31-05-00": 1}, (2600, 800), 0.1, 0.5,
              (0.85, 0.15, 0.0), True), 2.5),
    (Industry("竹木制品", {"6-06-03-01": 3, "6-31-05-00": 1}, (2500, 900), 0.05, 0.3, (1.0, 0.0, 0.0), True), 1.5),
    (Industry("食品加工", {"6-02-01-01": 1, "6-31-05-00": 2, "6-00-00-00": 2}, (2300, 700), 0.05, 0.5,
              (0.9, 0.1, 0.0), True), 1.5),
    (Industry("来料加工", {"6-00-00-00": 3, "6-31-05-00": 2, "6-31-03-05": 1}, (2200, 900), 0.0, 0.3,
              (1.0, 0.0, 0.0), True), 2.0),
)  # fmt: skip

# Level-4 codes a worker may name as skill or wish when the vacancy labels are coarser (6-00 = any manufacturing
# work, 6-25 = electronics assembly, 4-03-02-00 = kitchen helper). Keys are code prefixes of the vacancy labels.
LEVEL4_FOR_PREFIX = {
    "6-00": ("6-25-04-07", "6-31-05-00", "6-22-01-01", "6-14-02-00"),
    "6-25": ("6-25-04-07", "6-25-03-00", "6-25-04-05"),
    "6-31-01": ("6-31-01-02", "6-31-01-10", "6-31-01-03"),
    "4-03-02": ("4-03-02-05", "4-03-02-01"),
    "6-22": ("6-22-01-01", "6-22-02-01"),
}

# Titles unfit for the demo: managers, office and sales jobs, part-time, and titles naming a city elsewhere.
TITLE_EXCLUDE = _words(
    "经理 总监 主管 厂长 工程师 副总 合伙人 专家 设计 老师 顾问 督导 总工 项目 资料 预算 研发 分析 主任 课长"
    " 班长 组长 储备 管培 销售 营销 业务 催收 车险 电销 电话 客服 兼职 实习 应届 硕士 店长 所长 部长 领班"
    " 见习 英文 实验室 审核 跟单 专员 助理 数据 文员 混日子 短期 日结 迪士尼 MJ 残疾 手机 转猪 乘务 招采"
    " 收费 案场 配件管理"
    # place names: a Guangdong vacancy titled after a shop in another province would look odd
    " 市 县 区 省 州 北京 上海 武进 洛阳 无锡 邢台 晋中 金华 池州 陕西 河北 浙江 江苏 湖南 湖北 贵州 海南"
    " 新疆 青岛 石碣 顺德 大亚湾 惠州 汕头 珠海 揭阳 清远 西安 武汉 济宁 沈阳 泰安 济南 海口 景洪 长沙 菏泽"
    " 蚌埠 漯河 连云港 镇江 辽宁 萝北 烟台 芜湖 绍兴 衡阳 江川 青田 河南 新化 咸宁 黄平 新都 南宁"
)

EMPLOYER_BRANDS = _words(
    "鸿达 金源 华盛 新科 众成 立信 宏远 美佳 永利 精诚 恒通 丰泰 嘉华 瑞丰 盛达 利和 兴业 裕隆 同创 德信"
    " 伟业 天成 宝丰 俊朗 荣昌 信达 汇丰 联发 长盛 富华 顺通 康力 日升 新亚 协和 万和 广源 和记 益民 泰富"
)
EAST_CITY_NAMES = {
    "440100": "广州", "440300": "深圳", "440400": "珠海", "440600": "佛山", "440700": "江门", "440800": "湛江",
    "440900": "茂名", "441200": "肇庆", "441300": "惠州", "441700": "阳江", "441800": "清远", "441900": "东莞",
    "442000": "中山", "445300": "云浮",
}  # fmt: skip
EAST_SUFFIX = {
    "电子": "电子有限公司", "五金机械": "五金机械有限公司", "塑胶制品": "塑胶制品有限公司", "家具": "家具有限公司",
    "服装": "服饰有限公司", "家电": "电器有限公司", "食品": "食品有限公司", "汽车零部件": "汽车配件有限公司",
    "物流": "物流有限公司", "餐饮酒店": "酒店管理有限公司", "物业": "物业服务有限公司", "零售": "商贸有限公司",
}  # fmt: skip
AGENCY_NAMES = (
    "人力资源服务有限公司",
    "劳务服务有限公司",
    "劳务派遣有限公司",
    "就业服务站（经纪人联盟）",
    "人力资源开发有限公司",
)

# Follow-up notes, by what lies behind them.
NOTES_OK = ("工作适应良好", "已转正，收入稳定", "和老乡住一起，情况稳定", "班组长反映表现不错", "本人表示愿意继续干")
NOTES_CONCERN = {
    "quit_wage": ("反映实际工资低于招聘时说的", "加班少，到手工资不够寄回家", "计件单价低，想换厂"),
    "quit_conditions": ("反映夜班太多，身体吃不消", "宿舍条件差，八人一间", "车间噪音大，想换工作"),
    "quit_homesick": ("说想家，不太适应这边的饮食", "第一次出远门，情绪低落", "打算春节回家后不再出来"),
    "quit_family": ("家里老人生病，可能要回去", "孩子在家没人照顾", "家里农忙需要帮手"),
    "dismissed": ("与班组长有矛盾", "多次迟到被警告", "试用期考核未通过的风险"),
    "injury": ("反映工作强度大，担心安全",),
    "dispute": ("反映工资拖欠", "合同条款有争议，已告知维权渠道"),
    "other": ("情绪不稳定，需要再联系",),
}
NOTES_LEFT = ("已离岗，已登记原因", "电话回访得知已离职", "本人已回乡")
NOTES_UNREACHABLE = ("电话未接通", "号码停机", "微信未回复")
