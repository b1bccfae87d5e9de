//! The demo's organizations, experts and the history of its projects. Names follow Datong's
//! hospitals, roads, schools and land parcels; amounts are what such projects cost.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;

use crate::domain::{credit_code, Project};

/// Days relative to yesterday 09:00 in Datong, so every step at or before day 0 is past.
pub(super) struct Days(pub DateTime<Utc>);

impl Days {
    pub fn new(today: NaiveDate) -> Days {
        Days(onewindow_kit::clock::start_of_local_date(today) - Duration::hours(15))
    }
    pub fn at(&self, days: i64, hours: i64) -> DateTime<Utc> {
        self.0 + Duration::days(days) + Duration::hours(hours)
    }
    pub fn ts(&self, days: i64, hours: i64) -> Option<Timestamp> {
        let t = self.at(days, hours);
        Some(Timestamp {
            seconds: t.timestamp(),
            nanos: 0,
        })
    }
}

/// A valid credit code from 17 readable characters: letters a code may not hold (I, O, S,
/// V, Z) become the digits or letters they look like.
fn code(first17: &str) -> String {
    let mapped: String = first17
        .chars()
        .map(|c| match c {
            'I' => '1',
            'O' => '0',
            'S' => '5',
            'V' => 'U',
            'Z' => '2',
            c => c,
        })
        .collect();
    credit_code(&mapped)
}

pub(super) fn org(name: &str, code17: &str, contact: &str, phone: &str) -> pb::Party {
    pb::Party {
        name: name.into(),
        credit_code: code(code17),
        contact_name: contact.into(),
        contact_phone: phone.into(),
        address: "山西省大同市".into(),
    }
}

pub(super) fn agency() -> pb::Party {
    org(
        "山西省招标有限公司大同分公司",
        "91140200MA0GA0001",
        "郭晓峰",
        "0352-7966001",
    )
}

pub(super) fn city_procurement() -> pb::Party {
    org(
        "大同市政府采购中心",
        "12140200MB1CG0001",
        "韩丽",
        "0352-2042310",
    )
}

pub(super) fn bidders(kind: &str) -> Vec<pb::Party> {
    let list: &[(&str, &str, &str, &str)] = match kind {
        "medical" => &[
            (
                "山西华康医疗器械有限公司",
                "91140100MA0HK0001",
                "王建军",
                "13903521101",
            ),
            (
                "大同市恒瑞医疗设备有限公司",
                "91140200MA0HR0002",
                "李红梅",
                "13835216602",
            ),
            (
                "太原市精诚医疗科技有限公司",
                "91140100MA0JC0003",
                "张志强",
                "13934513303",
            ),
        ],
        "road" => &[
            (
                "山西建筑工程集团有限公司",
                "91140000MA0JG0011",
                "刘海涛",
                "13703521111",
            ),
            (
                "中铁十二局集团第四工程有限公司",
                "91140000MA0ZT0012",
                "陈国栋",
                "13603522212",
            ),
            (
                "大同市政建设集团有限公司",
                "91140200MA0SZ0013",
                "杨文斌",
                "13513523313",
            ),
            (
                "山西路桥建设集团有限公司",
                "91140000MA0LQ0014",
                "赵卫东",
                "13403524414",
            ),
        ],
        "school" => &[
            (
                "大同宏达建筑工程有限公司",
                "91140200MA0HD0021",
                "孙立军",
                "13303525521",
            ),
            (
                "山西四建集团有限公司",
                "91140000MA0SJ0022",
                "周明",
                "13203526622",
            ),
        ],
        "classroom" => &[
            (
                "山西教育装备有限公司",
                "91140000MA0JY0031",
                "吴静",
                "13103527731",
            ),
            (
                "大同市博文教学设备有限公司",
                "91140200MA0BW0032",
                "郑凯",
                "15035218832",
            ),
            (
                "山西云时代技术有限公司",
                "91140000MA0YS0033",
                "冯涛",
                "15135219933",
            ),
            (
                "大同市数智科技有限公司",
                "91140200MA0SZ0034",
                "高磊",
                "15235210034",
            ),
        ],
        "land" => &[
            (
                "大同御东房地产开发有限公司",
                "91140200MA0YD0041",
                "马骏",
                "18635211141",
            ),
            (
                "山西晋投置业有限公司",
                "91140000MA0JT0042",
                "何伟",
                "18735212242",
            ),
            (
                "大同市金地置业有限公司",
                "91140200MA0JD0043",
                "罗敏",
                "18835213343",
            ),
        ],
        _ => &[
            (
                "大同市再生资源回收利用有限公司",
                "91140200MA0ZS0051",
                "梁红",
                "13994411151",
            ),
            (
                "怀仁市顺达物流有限公司",
                "91140600MA0SD0052",
                "宋涛",
                "13994422252",
            ),
        ],
    };
    list.iter().map(|(n, c, p, t)| org(n, c, p, t)).collect()
}

/// The expert pool: eight experts in each of five specialties, from Datong's and Taiyuan's
/// hospitals, universities and design institutes.
pub(super) fn experts() -> Vec<pb::Expert> {
    let specialties: [(&str, &str, &[&str]); 5] = [
        (
            "医疗设备",
            "MY",
            &[
                "大同市第一人民医院",
                "山西大同大学附属医院",
                "大同市第五人民医院",
                "山西医科大学第一医院",
            ],
        ),
        (
            "市政工程",
            "SZ",
            &[
                "大同市市政设计研究院",
                "山西省交通规划勘察设计院",
                "太原理工大学",
            ],
        ),
        (
            "房屋建筑",
            "FW",
            &["大同市建筑设计研究院", "山西大同大学建筑与测绘工程学院"],
        ),
        (
            "教育装备",
            "JY",
            &["大同市电化教育馆", "山西大同大学教育科学与技术学院"],
        ),
        ("信息技术", "XX", &["大同市大数据应用中心", "中北大学"]),
    ];
    let names = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
    let given = [
        "志刚", "秀英", "建华", "丽娟", "国庆", "海燕", "文博", "晓东",
    ];
    let mut out = Vec::new();
    for (specialty, code, units) in specialties {
        for i in 0..8usize {
            let unit = units[i % units.len()];
            let unit_code = self::code(&format!("12140200MB{code}{:05}", i % units.len()));
            out.push(pb::Expert {
                id: format!("{}-{:02}", code.to_lowercase(), i + 1),
                name: format!("{}{}", names[i], given[(i + code.len()) % given.len()]),
                specialty: specialty.into(),
                organization: unit.into(),
                organization_credit_code: unit_code,
                conflict_credit_codes: Vec::new(),
                active: true,
            });
        }
    }
    out
}

pub(super) fn lot(id: &str, title: &str, budget_fen: i64, increment_fen: i64) -> pb::Lot {
    pb::Lot {
        id: id.into(),
        title: title.into(),
        budget_fen,
        min_increment_fen: increment_fen,
        failed: false,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn project(
    title: &str,
    description: &str,
    category: pb::Category,
    method: pb::Method,
    owner: pb::Party,
    agency: pb::Party,
    lots: Vec<pb::Lot>,
    periods: pb::Periods,
    evaluation: Option<pb::EvaluationRule>,
) -> Box<pb::Project> {
    Box::new(pb::Project {
        title: title.into(),
        description: description.into(),
        category: category as i32,
        method: method as i32,
        region_code: "140200".into(),
        owner: Some(owner),
        agency: Some(agency),
        lots,
        periods: Some(periods),
        evaluation,
        ..Default::default()
    })
}

pub(super) fn rule(
    method: pb::EvaluationMethod,
    weights: (i32, i32, i32),
    specialty: &str,
    panel: i32,
) -> Option<pb::EvaluationRule> {
    Some(pb::EvaluationRule {
        method: method as i32,
        price_weight: weights.0,
        technical_weight: weights.1,
        commercial_weight: weights.2,
        expert_specialty: specialty.into(),
        panel_size: panel,
    })
}

pub(super) fn bid(
    request_id: String,
    project_id: String,
    lot: &str,
    bidder: &pb::Party,
    price_fen: i64,
) -> pb::SubmitBidRequest {
    let text = format!(
        "{}投标文件\n一、投标函\n二、开标一览表\n三、技术响应及偏离表\n四、商务条款响应\n五、资格证明文件\n",
        bidder.name
    );
    pb::SubmitBidRequest {
        request_id,
        project_id,
        lot_id: lot.into(),
        price_fen,
        documents: vec![pb::Document {
            name: format!("{}-投标文件.txt", bidder.name),
            media_type: "text/plain; charset=utf-8".into(),
            content: text.into_bytes(),
        }],
        bidder: Some(bidder.clone()),
    }
}

/// The panel's sheets for a scored evaluation: each bidder has a standing that every expert
/// scores within a few points of; lowest-price evaluations take none.
pub(super) fn score_sheets(p: &Project) -> Vec<pb::ScoreSheet> {
    let (Some(panel), Some(opening)) = (&p.panel, &p.opening) else {
        return Vec::new();
    };
    if p.evaluation.method == crate::domain::EvaluationMethod::LowestPrice {
        return Vec::new();
    }
    panel
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| pb::ScoreSheet {
            expert_id: m.expert_id.clone(),
            scores: opening
                .valid_bids()
                .enumerate()
                .map(|(j, b)| {
                    let standing = [8850, 9120, 8400, 8700][j % 4];
                    let wobble = ((i * 7 + j * 3) % 5) as i32 * 60 - 120;
                    pb::BidScore {
                        bid_id: b.bid_id.clone(),
                        technical: standing + wobble,
                        commercial: 8000 + wobble,
                    }
                })
                .collect(),
        })
        .collect()
}
