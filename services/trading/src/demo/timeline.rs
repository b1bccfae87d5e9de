//! The history of the demo projects, in days relative to yesterday morning. Together they
//! cover every kind of trading and every state a project rests in.

use chrono::{DateTime, Utc};
use onewindow_proto::trading::v1 as pb;

use super::data::*;
use super::Action;

use pb::Category as C;
use pb::EvaluationMethod as E;
use pb::Method as M;

type History = Vec<(DateTime<Utc>, Action)>;

fn periods(
    d: &Days,
    start: (i64, i64),
    deadline: (i64, i64),
    opening: Option<(i64, i64)>,
) -> pb::Periods {
    pb::Periods {
        bid_start: d.ts(start.0, start.1),
        bid_deadline: d.ts(deadline.0, deadline.1),
        opening_at: opening.and_then(|(a, b)| d.ts(a, b)),
        ..Default::default()
    }
}

fn bids(
    h: &mut History,
    d: &Days,
    key: &'static str,
    lot: &'static str,
    list: &[(pb::Party, i64, i64)],
) {
    for (bidder, price_fen, day) in list {
        let bid = Action::Bid {
            project: key,
            lot,
            bidder: bidder.clone(),
            price_fen: *price_fen,
        };
        h.push((d.at(*day, 2), bid));
    }
}

/// A procurement tender still taking sealed bids: two lots of imaging equipment.
fn ct_tender(d: &Days, h: &mut History) {
    let key = "ct";
    let owner = org(
        "大同市第三人民医院",
        "12140200MB0SY0003",
        "赵玉兰",
        "0352-5022101",
    );
    let p = project(
        "大同市第三人民医院医学影像设备采购项目",
        "采购64排螺旋CT一台、数字化X射线摄影系统（DR）一台，含安装调试、培训及三年原厂保修。",
        C::GovernmentProcurement,
        M::OpenTender,
        owner,
        agency(),
        vec![
            lot("1", "64排螺旋CT", 6_000_000_00, 0),
            lot("2", "数字化X射线摄影系统（DR）", 2_600_000_00, 0),
        ],
        periods(d, (-12, 0), (10, 0), Some((10, 1))),
        rule(E::LowestPrice, (0, 0, 0), "医疗设备", 5),
    );
    h.push((d.at(-13, 0), Action::Create(key, p)));
    h.push((d.at(-12, 0), Action::Announce(key)));
    let b = bidders("medical");
    bids(
        h,
        d,
        key,
        "1",
        &[
            (b[0].clone(), 5_780_000_00, -5),
            (b[1].clone(), 5_865_000_00, -3),
            (b[2].clone(), 5_690_000_00, -1),
        ],
    );
    bids(
        h,
        d,
        key,
        "2",
        &[
            (b[0].clone(), 2_455_000_00, -5),
            (b[1].clone(), 2_510_000_00, -2),
        ],
    );
}

/// A competitive negotiation announced yesterday, taking responses from the day after tomorrow.
fn hall_negotiation(d: &Days, h: &mut History) {
    let key = "hall";
    let owner = org(
        "大同市行政审批服务管理局",
        "11140200MB0SP0001",
        "刘建平",
        "0352-2516001",
    );
    let p = project(
        "大同市政务服务中心大厅智能化改造服务项目",
        "政务服务大厅排队叫号、评价器、自助服务终端及大屏系统升级改造，服务期一年。",
        C::GovernmentProcurement,
        M::CompetitiveNegotiation,
        owner,
        city_procurement(),
        vec![lot("1", "大厅智能化改造", 1_280_000_00, 0)],
        periods(d, (2, 0), (7, 0), Some((7, 2))),
        rule(E::LowestPrice, (0, 0, 0), "信息技术", 3),
    );
    h.push((d.at(-1, 1), Action::Create(key, p)));
    h.push((d.at(0, 0), Action::Announce(key)));
}

/// A road project from announcement to contract, scored by a panel of five.
fn road_works(d: &Days, h: &mut History) {
    let key = "road";
    let owner = org(
        "大同市市政工程管理中心",
        "12140200MB0SZ0002",
        "陈志远",
        "0352-2041188",
    );
    let mut periods = periods(d, (-68, 0), (-45, 0), Some((-45, 1)));
    periods.enquiry_end = d.ts(-55, 0);
    // Scoring a works tender by five experts: three days, not the category's seven.
    periods.evaluation_end = d.ts(-42, 1);
    let p = project(
        "御河东路（文瀛湖段）道路提质改造工程施工",
        "道路全长3.2公里，含路基路面、雨污水管网、照明及绿化工程，工期240日历天。",
        C::Construction,
        M::OpenTender,
        owner,
        org(
            "山西诚正建设项目管理有限公司",
            "91140200MA0CZ0005",
            "田野",
            "0352-6011235",
        ),
        vec![lot("1", "施工总承包", 38_650_000_00, 0)],
        periods,
        rule(E::Scoring, (40, 50, 10), "市政工程", 5),
    );
    h.push((d.at(-70, 0), Action::Create(key, p)));
    h.push((d.at(-68, 0), Action::Announce(key)));
    let b = bidders("road");
    bids(
        h,
        d,
        key,
        "1",
        &[
            (b[0].clone(), 36_980_000_00, -60),
            (b[1].clone(), 37_450_000_00, -52),
            (b[2].clone(), 36_215_000_00, -49),
            (b[3].clone(), 38_100_000_00, -46),
        ],
    );
    h.push((d.at(-45, 1), Action::Open(key)));
    h.push((d.at(-45, 2), Action::Draw(key)));
    h.push((d.at(-44, 0), Action::Evaluate(key)));
    h.push((d.at(-43, 0), Action::Publicize(key)));
    h.push((
        d.at(-42, 3),
        Action::Object(
            key,
            b[1].clone(),
            "对第一中标候选人施工组织设计技术分评分提出质疑，认为其工期安排不满足招标文件要求。",
        ),
    ));
    h.push((
        d.at(-41, 5),
        Action::Answer(
            key,
            "q1",
            "经评标委员会复核，第一中标候选人工期安排满足招标文件第三章要求，质疑不成立。",
        ),
    ));
    h.push((
        d.at(-30, 0),
        Action::Contract(key, "御河东路道路提质改造工程施工合同"),
    ));
}

/// An invited tender that only two contractors answered: it fails at the opening.
fn school_retrofit(d: &Days, h: &mut History) {
    let key = "school";
    let owner = org(
        "大同市第二十中学校",
        "12140200MB0ES0020",
        "白雪",
        "0352-5100220",
    );
    let p = project(
        "大同市第二十中学教学楼抗震加固工程",
        "教学楼（砖混结构四层）抗震加固及屋面防水，工期90日历天，邀请五家施工企业参加。",
        C::Construction,
        M::InvitedTender,
        owner,
        agency(),
        vec![lot("1", "抗震加固施工", 4_360_000_00, 0)],
        periods(d, (-28, 0), (-4, 0), Some((-4, 1))),
        rule(E::LowestPrice, (0, 0, 0), "房屋建筑", 5),
    );
    h.push((d.at(-30, 0), Action::Create(key, p)));
    h.push((d.at(-28, 0), Action::Announce(key)));
    let b = bidders("school");
    bids(
        h,
        d,
        key,
        "1",
        &[
            (b[0].clone(), 4_215_000_00, -8),
            (b[1].clone(), 4_298_000_00, -6),
        ],
    );
    h.push((d.at(-4, 1), Action::Open(key)));
}

/// Smart classrooms: opened two days ago, the panel drawn, evaluation under way.
fn classrooms(d: &Days, h: &mut History) {
    let key = "classroom";
    let owner = org(
        "大同市教育局",
        "11140200MB0JY0001",
        "徐晓燕",
        "0352-2056312",
    );
    let p = project(
        "大同市中小学智慧教室设备采购项目",
        "为全市42所中小学配备智慧黑板、录播系统及教学终端共计316间教室。",
        C::GovernmentProcurement,
        M::OpenTender,
        owner,
        city_procurement(),
        vec![lot("1", "智慧教室设备", 9_480_000_00, 0)],
        periods(d, (-31, 0), (-2, 0), Some((-2, 1))),
        rule(E::LowestPrice, (0, 0, 0), "教育装备", 3),
    );
    h.push((d.at(-32, 0), Action::Create(key, p)));
    h.push((d.at(-31, 0), Action::Announce(key)));
    let b = bidders("classroom");
    bids(
        h,
        d,
        key,
        "1",
        &[
            (b[0].clone(), 9_120_000_00, -10),
            (b[1].clone(), 8_976_500_00, -7),
            (b[2].clone(), 9_305_000_00, -4),
            (b[3].clone(), 9_018_800_00, -3),
        ],
    );
    h.push((d.at(-2, 1), Action::Open(key)));
    h.push((d.at(-2, 3), Action::Draw(key)));
}

/// A land listing with live quotes, ending in six days.
fn land_listing(d: &Days, h: &mut History) {
    let key = "land-listing";
    let owner = org(
        "大同市规划和自然资源局",
        "11140200MB0GH0001",
        "曹立新",
        "0352-6025566",
    );
    let p = project(
        "平城区DTG-2026-18号宗地国有建设用地使用权挂牌出让",
        "宗地位于平城区魏都大道东侧，面积42,680平方米，住宅用地，容积率≤2.5，出让年限70年。",
        C::LandUse,
        M::Listing,
        owner,
        org(
            "大同市公共资源交易中心",
            "12140200MB0GG0001",
            "吕娜",
            "0352-2562001",
        ),
        vec![lot("1", "DTG-2026-18号宗地", 58_000_000_00, 500_000_00)],
        periods(d, (-5, 0), (6, 6), None),
        None,
    );
    h.push((d.at(-26, 0), Action::Create(key, p)));
    h.push((d.at(-25, 0), Action::Announce(key)));
    let b = bidders("land");
    h.push((d.at(-4, 1), Action::Quote(key, b[0].clone(), 58_000_000_00)));
    h.push((d.at(-2, 5), Action::Quote(key, b[1].clone(), 58_500_000_00)));
    h.push((d.at(-1, 3), Action::Quote(key, b[0].clone(), 59_000_000_00)));
}

/// A land auction held three weeks ago, its result final.
fn land_auction(d: &Days, h: &mut History) {
    let key = "land-auction";
    let owner = org(
        "大同市规划和自然资源局",
        "11140200MB0GH0001",
        "曹立新",
        "0352-6025566",
    );
    let p = project(
        "云州区YZ-2026-03号宗地国有建设用地使用权拍卖出让",
        "宗地位于云州区府前街北侧，面积18,350平方米，商业用地，出让年限40年。",
        C::LandUse,
        M::Auction,
        owner,
        org(
            "大同市公共资源交易中心",
            "12140200MB0GG0001",
            "吕娜",
            "0352-2562001",
        ),
        vec![lot("1", "YZ-2026-03号宗地", 21_000_000_00, 200_000_00)],
        periods(d, (-22, 0), (-22, 2), None),
        None,
    );
    h.push((d.at(-50, 0), Action::Create(key, p)));
    h.push((d.at(-48, 0), Action::Announce(key)));
    let b = bidders("land");
    let mut amount = 21_000_000_00;
    for (i, who) in [0usize, 2, 1, 2, 0, 2].iter().enumerate() {
        let at = d.at(-22, 0) + chrono::Duration::minutes(10 + 15 * i as i64);
        h.push((at, Action::Quote(key, b[*who].clone(), amount)));
        amount += 200_000_00;
    }
}

/// Retired buses sold by listing; one bidder objects to the result under publicity.
fn bus_listing(d: &Days, h: &mut History) {
    let key = "buses";
    let owner = org(
        "大同市公共交通有限责任公司",
        "91140200MA0GJ0001",
        "常勇",
        "0352-2029600",
    );
    let p = project(
        "大同市公共交通有限责任公司报废公交车辆转让",
        "报废公交车辆86台（含柴油车52台、天然气车34台），整体转让，受让方负责拆解并提供报废证明。",
        C::PropertyRights,
        M::Listing,
        owner,
        org(
            "山西省产权交易中心大同分中心",
            "12140200MB0CQ0001",
            "姚丽",
            "0352-2562088",
        ),
        vec![lot("1", "报废公交车辆86台", 1_860_000_00, 20_000_00)],
        periods(d, (-38, 0), (-3, 0), None),
        None,
    );
    h.push((d.at(-40, 0), Action::Create(key, p)));
    h.push((d.at(-38, 0), Action::Announce(key)));
    let b = bidders("buses");
    h.push((d.at(-20, 0), Action::Quote(key, b[0].clone(), 1_860_000_00)));
    h.push((d.at(-10, 0), Action::Quote(key, b[1].clone(), 1_880_000_00)));
    h.push((d.at(-4, 0), Action::Quote(key, b[0].clone(), 1_900_000_00)));
    h.push((
        d.at(-1, 0),
        Action::Object(
            key,
            b[1].clone(),
            "成交价格低于同期同类报废车辆市场回收价，请求复核评估报告。",
        ),
    ));
}

/// An inquiry cancelled when the need changed; a single-source renewal still in draft.
fn small_purchases(d: &Days, h: &mut History) {
    let owner = org(
        "大同市市场监督管理局",
        "11140200MB0SJ0001",
        "任杰",
        "0352-2526315",
    );
    let p = project(
        "大同市市场监督管理局办公设备采购项目",
        "采购台式计算机80台、A3激光打印机20台。",
        C::GovernmentProcurement,
        M::Inquiry,
        owner,
        city_procurement(),
        vec![lot("1", "办公设备", 360_000_00, 0)],
        periods(d, (-8, 0), (2, 0), Some((2, 1))),
        rule(E::LowestPrice, (0, 0, 0), "信息技术", 3),
    );
    h.push((d.at(-9, 0), Action::Create("inquiry", p)));
    h.push((d.at(-8, 0), Action::Announce("inquiry")));
    h.push((
        d.at(-2, 0),
        Action::Cancel("inquiry", "采购需求发生重大变化，终止本次采购"),
    ));
    let owner = org(
        "大同市大数据应用局",
        "11140200MB0DS0001",
        "贾文",
        "0352-2517720",
    );
    let p = project(
        "大同市政务云服务续期项目（单一来源）",
        "原政务云服务合同期满，因系统迁移成本及数据安全要求，拟向原服务商单一来源采购一年续期服务。",
        C::GovernmentProcurement,
        M::SingleSource,
        owner,
        city_procurement(),
        vec![lot("1", "政务云服务一年", 2_950_000_00, 0)],
        periods(d, (3, 0), (12, 0), Some((12, 1))),
        rule(E::LowestPrice, (0, 0, 0), "信息技术", 3),
    );
    h.push((d.at(0, 2), Action::Create("cloud", p)));
}

/// The demo's history, each step at its instant.
pub(super) fn history(today: chrono::NaiveDate) -> History {
    let d = Days::new(today);
    let mut h: History = experts()
        .into_iter()
        .map(|e| (d.at(-80, 0), Action::Expert(e)))
        .collect();
    ct_tender(&d, &mut h);
    hall_negotiation(&d, &mut h);
    road_works(&d, &mut h);
    school_retrofit(&d, &mut h);
    classrooms(&d, &mut h);
    land_listing(&d, &mut h);
    land_auction(&d, &mut h);
    bus_listing(&d, &mut h);
    small_purchases(&d, &mut h);
    h
}
