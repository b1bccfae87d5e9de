//! The catalog in force as CSV for Excel, which the hall prints and departments check:
//! UTF-8 with a byte order mark (Excel otherwise reads it as GBK), CRLF line ends, RFC 4180
//! quoting, Chinese headers and values, and no cell that a spreadsheet would run as a formula.

use super::item::ItemContent;
use super::snapshot::CatalogView;
use super::version::ItemVersion;

pub const CSV_HEADERS: [&str; 17] = [
    "事项名称",
    "实施编码",
    "基本编码",
    "事项类型",
    "实施部门",
    "行政区划",
    "层级",
    "办理地点类型",
    "窗口授权",
    "办件类型",
    "法定时限(工作日)",
    "承诺时限(工作日)",
    "收费",
    "设定依据",
    "办理地点",
    "办公时间",
    "咨询电话",
];

/// Money as yuan with two decimals, from integer fen (no float rounding).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}元", abs / 100, abs % 100)
}

/// One cell: a leading formula character is neutralised with an apostrophe (OWASP's advice
/// against CSV injection), then the cell is quoted if it holds a separator, quote or line end.
fn cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn fees(content: &ItemContent) -> String {
    if content.free_of_charge {
        return "不收费".to_string();
    }
    content
        .fees
        .iter()
        .map(|f| format!("{} {}", f.name, yuan(f.amount_fen)))
        .collect::<Vec<_>>()
        .join("；")
}

fn legal_basis(content: &ItemContent) -> String {
    content
        .legal_basis
        .iter()
        .map(|b| format!("{}{}", b.law, b.article))
        .collect::<Vec<_>>()
        .join("；")
}

fn row(view: &CatalogView, v: &ItemVersion) -> Vec<String> {
    let c = &v.content;
    let region = view
        .directory()
        .region(&c.region_code)
        .map_or_else(|| c.region_code.to_string(), |r| r.name.clone());
    vec![
        c.name.clone(),
        v.id.to_string(),
        c.basic_code.to_string(),
        c.item_type.chinese().to_string(),
        view.directory()
            .department_name(&c.department_id)
            .to_string(),
        region,
        c.level.chinese().to_string(),
        c.service_mode.chinese().to_string(),
        c.window_authorization.chinese().to_string(),
        c.item_class.chinese().to_string(),
        c.statutory_limit_days.to_string(),
        c.promised_limit_days.to_string(),
        fees(c),
        legal_basis(c),
        c.place.clone(),
        c.hours.clone(),
        c.phone.clone(),
    ]
}

fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.map(|c| cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// The items in force on the view's date, by department then id.
pub fn catalog_csv(view: &CatalogView) -> String {
    let mut out = String::from("\u{feff}");
    line(&mut out, CSV_HEADERS.iter().map(|h| h.to_string()));
    for v in view.items() {
        line(&mut out, row(view, v).into_iter());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{
        date, directory, licence_content, licence_id, published, sample_view,
    };

    #[test]
    fn csv_starts_with_bom_and_quotes_commas() {
        let csv = catalog_csv(&sample_view());
        assert!(csv.starts_with("\u{feff}事项名称,实施编码,"));
        assert!(csv.contains(",\"房产交易分中心, B03窗口\","), "{csv}");
    }

    #[test]
    fn csv_has_a_header_and_one_crlf_line_per_item_in_force() {
        let csv = catalog_csv(&sample_view());
        assert!(csv.ends_with("\r\n"));
        let lines: Vec<&str> = csv.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.len(), 4);
        assert!(!csv.replace("\r\n", "").contains('\n'));
        assert_eq!(
            lines[0].trim_start_matches('\u{feff}').split(',').count(),
            17
        );
        assert!(lines[1].starts_with("契税征收,"));
    }

    #[test]
    fn csv_writes_enums_in_chinese() {
        let csv = catalog_csv(&sample_view());
        let housing = csv
            .lines()
            .find(|l| l.starts_with("房屋所有权转移登记"))
            .unwrap();
        for value in [
            "行政确认",
            "大同市房产管理局",
            "大同市",
            "市级",
            "分中心",
            "仅受理",
            "复杂件",
        ] {
            assert!(housing.contains(value), "{value} missing in {housing}");
        }
        assert!(housing.contains(",30,10,住房登记费 80.00元,"), "{housing}");
    }

    #[test]
    fn free_items_say_so() {
        let csv = catalog_csv(&sample_view());
        let licence = csv.lines().find(|l| l.starts_with("食品经营许可")).unwrap();
        assert!(licence.contains(",不收费,中华人民共和国食品安全法第三十五条,"));
    }

    #[test]
    fn quotes_are_doubled_and_line_breaks_quoted() {
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("a\nb"), "\"a\nb\"");
        assert_eq!(cell("plain"), "plain");
    }

    #[test]
    fn formula_cells_get_a_leading_apostrophe() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+86 352"), "'+86 352");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("0352-1234567"), "0352-1234567");

        let mut c = licence_content();
        c.name = "=1+1".into();
        let view = CatalogView::build(
            date(2026, 3, 2),
            vec![published(&licence_id(), 1, c, date(2025, 1, 1), None)],
            directory(),
            vec![],
        );
        let csv = catalog_csv(&view);
        assert!(csv.contains("\r\n'=1+1,"), "{csv}");
    }

    #[test]
    fn yuan_is_formatted_from_fen_exactly() {
        assert_eq!(yuan(8000), "80.00元");
        assert_eq!(yuan(5), "0.05元");
        assert_eq!(yuan(123_456_789), "1234567.89元");
        assert_eq!(yuan(-150), "-1.50元");
    }
}
