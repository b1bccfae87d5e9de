//! Simple charts drawn on the server as SVG: horizontal bars with their labels and values,
//! readable without scripts and printable; the table beside each chart carries the figures.

use maud::{html, Markup};

/// One bar: its label, its length (in the chart's unit) and the text shown at its end.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    /// A CSS class for the bar's colour (`good`, `yellow`, `red`, or empty).
    pub class: &'static str,
}

const WIDTH: f64 = 760.0;
const LABEL: f64 = 190.0;
const ROW: f64 = 26.0;
const BAR: f64 = 18.0;

/// Bars scaled to `max` (the largest value when 0 or less).
pub fn bars(title: &str, bars: &[Bar], max: f64) -> Markup {
    let max = if max > 0.0 {
        max
    } else {
        bars.iter().map(|b| b.value).fold(0.0, f64::max)
    };
    // Room at the right for the value written after the longest bar.
    let span = WIDTH - LABEL - 190.0;
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    html! {
        figure.chart {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
                role="img" aria-label=(title) preserveAspectRatio="xMinYMin meet" {
                @for (i, b) in bars.iter().enumerate() {
                    @let y = 4.0 + ROW * i as f64;
                    @let length = if max > 0.0 { (b.value.max(0.0) / max).min(1.0) * span } else { 0.0 };
                    text x=(LABEL - 8.0) y=(y + BAR - 4.0) text-anchor="end" class="label" { (clip(&b.label, 14)) }
                    rect x=(LABEL) y=(y) width=(format!("{length:.1}")) height=(BAR) rx="3" class={ "bar " (b.class) } {}
                    text x=(LABEL + length + 6.0) y=(y + BAR - 4.0) class="value" { (b.shown) }
                }
            }
        }
    }
}

/// A label cut to `n` characters so that it fits beside the bars (the table has it whole).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "t",
            &[
                Bar {
                    label: "<b>".into(),
                    value: 1.0,
                    shown: "1".into(),
                    class: "",
                },
                Bar {
                    label: "b".into(),
                    value: 2.0,
                    shown: "2".into(),
                    class: "red",
                },
            ],
            0.0,
        )
        .into_string();
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains(r#"width="190.0""#), "{svg}");
        assert!(svg.contains(r#"width="380.0""#), "{svg}");
        assert!(svg.contains("bar red"));
    }

    #[test]
    fn long_labels_are_clipped() {
        assert_eq!(clip("大同市工商行政管理局城区分局", 5), "大同市工…");
        assert_eq!(clip("短", 5), "短");
    }
}
