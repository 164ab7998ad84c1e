//! Line charts of monthly series, as plain terminal text and as a standalone SVG document; it only builds strings and must not do I/O, emit ANSI colour codes, know about the database or CLI, or panic on any input.
//!
//! Both renderers share one frame: x is the month index (0 = the start),
//! y runs between "nice" round ticks around the finite values. Values that
//! are NaN or infinite are left out rather than failing the chart.

/// One line of a chart: `points[i]` is the value at month `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<f64>,
}

/// Terminal markers, one per series; ASCII so the chart survives any
/// terminal encoding (GBK consoles included). Cycles after 36 series.
const MARKERS: &[char] = &[
    '*', '+', 'o', 'x', '#', '@', '%', '&', '=', '~', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I',
    'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
];

/// Okabe–Ito colours (distinguishable with colour-blindness; its yellow is
/// swapped for black, which is unreadable on white). After these run out,
/// lines repeat them dashed.
const PALETTE: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];

/// Bounds so that absurd sizes cannot allocate without limit.
const MAX_TERMINAL_WIDTH: usize = 1000;
const MIN_ROWS: usize = 3;
const MAX_ROWS: usize = 200;

/// Month steps people read easily: quarters, halves, years, decades.
const MONTH_STEPS: &[u64] = &[1, 2, 3, 6, 12, 24, 36, 60];

// ---------------------------------------------------------------------------
// Shared frame
// ---------------------------------------------------------------------------

/// The y range and its tick values.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    format: TickFormat,
}

impl Axis {
    /// 0 at `lo`, 1 at `hi`. Halving first keeps `hi - lo` finite even for
    /// values near `f64::MAX` of opposite signs.
    fn fraction(&self, v: f64) -> f64 {
        let span = self.hi / 2.0 - self.lo / 2.0;
        if !(span.is_finite() && span > 0.0) {
            return 0.5;
        }
        let f = (v / 2.0 - self.lo / 2.0) / span;
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.5
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Frame {
    /// The largest month index of any series.
    x_max: usize,
    axis: Axis,
}

impl Frame {
    /// `None` when there is no finite value to draw.
    fn new(series: &[Series], target_ticks: usize) -> Option<Frame> {
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        let mut x_max = 0;
        let mut any = false;
        for s in series {
            for (i, &v) in s.points.iter().enumerate() {
                if v.is_finite() {
                    any = true;
                    min = min.min(v);
                    max = max.max(v);
                }
                x_max = x_max.max(i);
            }
        }
        if !any {
            return None;
        }
        Some(Frame {
            x_max,
            axis: y_axis(min, max, target_ticks),
        })
    }
}

/// Round tick values (1, 2 or 5 times a power of ten) covering `min..=max`.
fn y_axis(min: f64, max: f64, target: usize) -> Axis {
    let (mut min, mut max) = (min, max);
    if min == max {
        // A flat line still needs a range; 10% either side, or 1 for tiny values.
        let pad = (min.abs() * 0.1).max(0.0);
        let pad = if pad > 0.0 && pad.is_finite() {
            pad
        } else {
            1.0
        };
        min = (min - pad).max(f64::MIN);
        max = (max + pad).min(f64::MAX);
    }
    let intervals = target.clamp(2, 10) - 1;
    let raw_step = (max / 2.0 - min / 2.0) / intervals as f64 * 2.0;
    let step = nice_step(raw_step);
    if let Some(step) = step {
        let lo = (min / step).floor() * step;
        let hi = (max / step).ceil() * step;
        let count = ((hi - lo) / step).round();
        if lo.is_finite() && hi.is_finite() && hi > lo && count.is_finite() && count <= 20.0 {
            let first = (lo / step).round();
            let ticks: Vec<f64> = (0..=count as usize)
                .map(|i| (first + i as f64) * step)
                .collect();
            let format = TickFormat::new(lo, hi, step);
            return Axis {
                lo,
                hi,
                ticks,
                format,
            };
        }
    }
    // Near the limits of f64 round ticks overflow; label the raw ends instead.
    let mid = min / 2.0 + max / 2.0;
    Axis {
        lo: min,
        hi: max,
        ticks: vec![min, mid, max],
        format: TickFormat::scientific(),
    }
}

fn nice_step(raw: f64) -> Option<f64> {
    if !(raw.is_finite() && raw > 0.0) {
        return None;
    }
    let exponent = raw.log10().floor();
    let magnitude = 10f64.powf(exponent);
    if !(magnitude.is_finite() && magnitude > 0.0) {
        return None;
    }
    let f = raw / magnitude;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    let step = nice * magnitude;
    (step.is_finite() && step > 0.0).then_some(step)
}

/// How tick values are written: plain, with a k/M/G/T suffix, or scientific.
#[derive(Debug, Clone, PartialEq)]
struct TickFormat {
    unit: f64,
    suffix: &'static str,
    decimals: usize,
    scientific: bool,
}

impl TickFormat {
    fn new(lo: f64, hi: f64, step: f64) -> TickFormat {
        let biggest = lo.abs().max(hi.abs());
        if biggest >= 1e15 || step < 1e-4 {
            return TickFormat::scientific();
        }
        let (unit, suffix) = if biggest >= 1e12 {
            (1e12, "T")
        } else if biggest >= 1e9 {
            (1e9, "G")
        } else if biggest >= 1e6 {
            (1e6, "M")
        } else if biggest >= 1e4 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        let scaled = step / unit;
        let decimals = if scaled >= 1.0 {
            0
        } else {
            (-scaled.log10().floor()).clamp(0.0, 4.0) as usize
        };
        TickFormat {
            unit,
            suffix,
            decimals,
            scientific: false,
        }
    }

    fn scientific() -> TickFormat {
        TickFormat {
            unit: 1.0,
            suffix: "",
            decimals: 2,
            scientific: true,
        }
    }

    fn format(&self, v: f64) -> String {
        if self.scientific {
            return format!("{v:.2e}");
        }
        let text = format!("{:.*}{}", self.decimals, v / self.unit, self.suffix);
        // "-0" reads like a bug.
        match text.strip_prefix('-') {
            Some(rest) if rest.chars().all(|c| matches!(c, '0' | '.')) => rest.to_string(),
            _ => text,
        }
    }
}

/// Month labels every `step` months, with the step chosen so that at most
/// `max_labels` labels appear.
fn month_step(x_max: usize, max_labels: usize) -> usize {
    let x_max = x_max as u64;
    let max_labels = max_labels.max(2) as u64;
    let fits = |step: u64| x_max / step < max_labels;
    for &step in MONTH_STEPS {
        if fits(step) {
            return step as usize;
        }
    }
    let mut scale: u64 = 1;
    loop {
        for base in [120u64, 240, 600] {
            let Some(step) = base.checked_mul(scale) else {
                return usize::MAX;
            };
            if fits(step) {
                return usize::try_from(step).unwrap_or(usize::MAX);
            }
        }
        match scale.checked_mul(10) {
            Some(next) => scale = next,
            None => return usize::MAX,
        }
    }
}

/// Control characters would let a label smuggle escape sequences into a
/// terminal or break XML, so they become spaces.
fn sanitize(label: &str) -> String {
    label
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------
// Terminal
// ---------------------------------------------------------------------------

/// Terminal columns a character takes. East Asian wide characters take two;
/// everything else counts as one, which over-counts zero-width marks and so
/// errs towards shorter lines, never longer ones.
fn char_width(c: char) -> usize {
    let c = c as u32;
    let wide = matches!(c,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn truncate_to_width(s: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        let w = char_width(c);
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// A plain-text line chart, `height` plot rows tall (3 to 200), every line at
/// most `width` terminal columns (a width past 1000 is treated as 1000).
///
/// Layout: the y label, the plot with tick values on the left, the month
/// axis, then a legend of `marker label` items wrapped to the width. Each
/// series is drawn with its own ASCII marker; where lines cross, the later
/// series wins. Lines carry no trailing spaces and no colour codes.
pub fn terminal(series: &[Series], width: usize, height: usize, y_label: &str) -> String {
    let width = width.min(MAX_TERMINAL_WIDTH);
    let rows = height.clamp(MIN_ROWS, MAX_ROWS);
    let mut lines: Vec<String> = Vec::new();
    let y_label = sanitize(y_label);
    if !y_label.trim().is_empty() {
        lines.push(y_label);
    }
    match Frame::new(series, (rows / 2).clamp(2, 6)) {
        None => lines.push("(no data to chart)".into()),
        Some(frame) => lines.extend(plot_lines(series, &frame, width, rows)),
    }
    lines.extend(legend_lines(series, width));
    lines
        .iter()
        .map(|line| truncate_to_width(line, width).trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn plot_lines(series: &[Series], frame: &Frame, width: usize, rows: usize) -> Vec<String> {
    let axis = &frame.axis;
    let row_of = |v: f64| -> usize {
        let r = ((1.0 - axis.fraction(v)) * (rows - 1) as f64).round();
        (r as usize).min(rows - 1)
    };

    let mut tick_labels: Vec<Option<String>> = vec![None; rows];
    for &t in &axis.ticks {
        let slot = &mut tick_labels[row_of(t)];
        if slot.is_none() {
            *slot = Some(axis.format.format(t));
        }
    }
    let label_width = tick_labels
        .iter()
        .flatten()
        .map(|l| text_width(l))
        .max()
        .unwrap_or(0);
    // "<labels> |" then the plot; keep at least one plot column.
    let gutter = label_width + 2;
    let plot_width = width.saturating_sub(gutter).max(1);

    let mut grid = vec![vec![' '; plot_width]; rows];
    let x_at = |col: usize| -> Option<f64> {
        if frame.x_max == 0 || plot_width == 1 {
            return (col == 0).then_some(0.0);
        }
        Some(col as f64 * frame.x_max as f64 / (plot_width - 1) as f64)
    };
    for (index, s) in series.iter().enumerate() {
        let marker = MARKERS[index % MARKERS.len()];
        let mut previous: Option<usize> = None;
        for col in 0..plot_width {
            let value = x_at(col).and_then(|x| interpolate(&s.points, x));
            let Some(v) = value else {
                previous = None;
                continue;
            };
            let row = row_of(v);
            // Fill the vertical run from the previous column so steep
            // stretches read as one line rather than scattered dots.
            let (from, to) = match previous {
                Some(p) if p < row => (p + 1, row),
                Some(p) if p > row => (row, p - 1),
                _ => (row, row),
            };
            for line in grid.iter_mut().take(to + 1).skip(from) {
                line[col] = marker;
            }
            previous = Some(row);
        }
    }

    let mut out = Vec::with_capacity(rows + 2);
    for (row, cells) in grid.iter().enumerate() {
        let (label, edge) = match &tick_labels[row] {
            Some(l) => (l.as_str(), '+'),
            None => ("", '|'),
        };
        let pad = label_width.saturating_sub(text_width(label));
        let plot: String = cells.iter().collect();
        out.push(format!("{}{label} {edge}{plot}", " ".repeat(pad)));
    }

    // Month axis: tick marks on the rule, numbers centred under them.
    let col_of = |month: usize| -> usize {
        if frame.x_max == 0 || plot_width == 1 {
            0
        } else {
            ((month as f64 * (plot_width - 1) as f64 / frame.x_max as f64).round() as usize)
                .min(plot_width - 1)
        }
    };
    let widest = frame.x_max.to_string().len();
    let step = month_step(frame.x_max, plot_width / (widest + 2));
    let mut rule = vec!['-'; plot_width];
    let mut numbers = vec![' '; plot_width];
    let mut next_free = 0;
    let mut month = 0usize;
    loop {
        let col = col_of(month);
        let text: Vec<char> = month.to_string().chars().collect();
        let start = col
            .saturating_sub(text.len() / 2)
            .min(plot_width.saturating_sub(text.len()));
        if start >= next_free && start + text.len() <= plot_width {
            // Column 0 sits next to the corner, which already marks it.
            if col > 0 {
                rule[col] = '+';
            }
            numbers[start..start + text.len()].copy_from_slice(&text);
            next_free = start + text.len() + 1;
        }
        match month.checked_add(step) {
            Some(next) if next <= frame.x_max => month = next,
            _ => break,
        }
    }
    let rule: String = rule.into_iter().collect();
    let numbers: String = numbers.into_iter().collect();
    out.push(format!("{} +{rule}", " ".repeat(label_width)));
    let caption = if gutter >= "month ".len() {
        format!("{:>w$}", "month ", w = gutter)
    } else {
        " ".repeat(gutter)
    };
    out.push(format!("{caption}{numbers}"));
    out
}

/// The value at fractional month `x`, straight between neighbouring months;
/// `None` past the series' end or next to a missing (non-finite) value.
fn interpolate(points: &[f64], x: f64) -> Option<f64> {
    if points.is_empty() || x.is_nan() || x < 0.0 {
        return None;
    }
    let last = points.len() - 1;
    let i0 = x.floor() as usize;
    if i0 > last {
        return None;
    }
    let f = x - i0 as f64;
    let p0 = *points.get(i0)?;
    if f <= 1e-9 {
        return p0.is_finite().then_some(p0);
    }
    let p1 = *points.get(i0 + 1)?;
    // Weighted sum rather than p0 + (p1 - p0) f, which overflows for huge
    // values of opposite signs.
    let v = p0 * (1.0 - f) + p1 * f;
    v.is_finite().then_some(v)
}

fn legend_lines(series: &[Series], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for (index, s) in series.iter().enumerate() {
        let marker = MARKERS[index % MARKERS.len()];
        let label = sanitize(&s.label);
        let item = truncate_to_width(&format!("{marker} {label}"), width);
        let gap = if current.is_empty() { 0 } else { 3 };
        if !current.is_empty() && text_width(&current) + gap + text_width(&item) > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("   ");
        }
        current.push_str(&item);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

// ---------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------

const SVG_WIDTH: f64 = 800.0;
const SVG_MIN_HEIGHT: f64 = 480.0;
const PLOT_LEFT: f64 = 90.0;
const PLOT_RIGHT: f64 = 610.0;
const PLOT_TOP: f64 = 60.0;
const PLOT_BOTTOM: f64 = 410.0;
const LEGEND_X: f64 = 630.0;
const LEGEND_ROW: f64 = 20.0;
/// Above this many points per series, dots would smear into the line.
const MAX_DOTS: usize = 60;
const LEGEND_LABEL_CHARS: usize = 26;

/// Escapes text for XML content and attributes; control characters (not
/// allowed in XML 1.0) become spaces.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in sanitize(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{FFFE}' | '\u{FFFF}' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A standalone SVG document (800 px wide; taller only when the legend
/// needs it) with the title, axis labels, y ticks with grid lines, month
/// ticks, a legend, and one polyline per series in distinct colours (dashed
/// once the palette repeats). Series of up to 60 points also get a dot per
/// point, so a single-point series is still visible. Non-finite values are
/// left out of the line.
pub fn svg(series: &[Series], title: &str, x_label: &str, y_label: &str) -> String {
    let height = SVG_MIN_HEIGHT.max(PLOT_TOP + LEGEND_ROW * (series.len() as f64 + 1.0));
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{SVG_WIDTH}\" height=\"{height}\" viewBox=\"0 0 {SVG_WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    ));
    let title = xml_escape(title);
    out.push_str(&format!("<title>{title}</title>\n"));
    out.push_str("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    out.push_str(&format!(
        "<text x=\"{:.1}\" y=\"30\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{title}</text>\n",
        SVG_WIDTH / 2.0
    ));

    let mid_x = (PLOT_LEFT + PLOT_RIGHT) / 2.0;
    let mid_y = (PLOT_TOP + PLOT_BOTTOM) / 2.0;
    out.push_str(&format!(
        "<text x=\"{mid_x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
        PLOT_BOTTOM + 45.0,
        xml_escape(x_label)
    ));
    out.push_str(&format!(
        "<text x=\"20\" y=\"{mid_y:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 20 {mid_y:.1})\">{}</text>\n",
        xml_escape(y_label)
    ));

    match Frame::new(series, 6) {
        None => out.push_str(&format!(
            "<text x=\"{mid_x:.1}\" y=\"{mid_y:.1}\" text-anchor=\"middle\" fill=\"#666666\">no data to chart</text>\n"
        )),
        Some(frame) => svg_plot(&mut out, series, &frame),
    }
    out.push_str(&format!(
        "<rect x=\"{PLOT_LEFT}\" y=\"{PLOT_TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#333333\"/>\n",
        PLOT_RIGHT - PLOT_LEFT,
        PLOT_BOTTOM - PLOT_TOP
    ));
    svg_legend(&mut out, series);
    out.push_str("</svg>\n");
    out
}

fn svg_plot(out: &mut String, series: &[Series], frame: &Frame) {
    let axis = &frame.axis;
    let y_of = |v: f64| PLOT_BOTTOM - axis.fraction(v) * (PLOT_BOTTOM - PLOT_TOP);
    let x_of = |month: usize| {
        if frame.x_max == 0 {
            (PLOT_LEFT + PLOT_RIGHT) / 2.0
        } else {
            PLOT_LEFT + month as f64 / frame.x_max as f64 * (PLOT_RIGHT - PLOT_LEFT)
        }
    };

    out.push_str("<g class=\"y-ticks\">\n");
    for &t in &axis.ticks {
        let y = y_of(t);
        out.push_str(&format!(
            "<line x1=\"{PLOT_LEFT}\" y1=\"{y:.1}\" x2=\"{PLOT_RIGHT}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            PLOT_LEFT - 6.0,
            y + 4.0,
            xml_escape(&axis.format.format(t))
        ));
    }
    out.push_str("</g>\n<g class=\"x-ticks\">\n");
    let step = month_step(frame.x_max, 13);
    let mut month = 0usize;
    loop {
        let x = x_of(month);
        out.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{PLOT_BOTTOM}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333333\"/>\n<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{month}</text>\n",
            PLOT_BOTTOM + 5.0,
            PLOT_BOTTOM + 20.0
        ));
        match month.checked_add(step) {
            Some(next) if next <= frame.x_max => month = next,
            _ => break,
        }
    }
    out.push_str("</g>\n");

    for (index, s) in series.iter().enumerate() {
        let (colour, dash) = style(index);
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| (x_of(i), y_of(v)))
            .collect();
        let coords: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        out.push_str(&format!(
            "<g class=\"series\">\n<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{}\"/>\n",
            coords.join(" ")
        ));
        if points.len() <= MAX_DOTS {
            for (x, y) in &points {
                out.push_str(&format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{colour}\"/>\n"
                ));
            }
        }
        out.push_str("</g>\n");
    }
}

fn style(index: usize) -> (&'static str, &'static str) {
    let colour = PALETTE[index % PALETTE.len()];
    let dash = if index >= PALETTE.len() {
        " stroke-dasharray=\"6 3\""
    } else {
        ""
    };
    (colour, dash)
}

fn svg_legend(out: &mut String, series: &[Series]) {
    out.push_str("<g class=\"legend\">\n");
    for (index, s) in series.iter().enumerate() {
        let (colour, dash) = style(index);
        let y = PLOT_TOP + 10.0 + LEGEND_ROW * index as f64;
        let mut label: String = s.label.chars().take(LEGEND_LABEL_CHARS).collect();
        if s.label.chars().count() > LEGEND_LABEL_CHARS {
            label.push('…');
        }
        out.push_str(&format!(
            "<line x1=\"{LEGEND_X}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n<text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            LEGEND_X + 24.0,
            LEGEND_X + 30.0,
            y + 4.0,
            xml_escape(&label)
        ));
    }
    out.push_str("</g>\n");
}

/// A sparkline: one block character per value, from the lowest (`▁`) to the highest (`█`)
/// of the series; a flat series is a row of `▄`, and a value that is not finite is a space.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                ' '
            } else if hi - lo <= 0.0 {
                BARS[3]
            } else {
                let level = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                BARS[level.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_from_lowest_to_highest() {
        assert_eq!(
            sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&[10.0, 20.0]), "▁█");
        assert_eq!(sparkline(&[5.0, 5.0, 5.0]), "▄▄▄");
        assert_eq!(sparkline(&[1.0, f64::NAN, 3.0]), "▁ █");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[-2.0, 0.0, 2.0]).chars().count(), 3);
    }
    use proptest::prelude::*;

    fn growth(rate: f64, months: usize) -> Vec<f64> {
        (0..=months)
            .map(|t| 100.0 * (1.0 + rate).powf(t as f64))
            .collect()
    }

    fn scenarios() -> Vec<Series> {
        [0.05, 0.1, 0.2]
            .iter()
            .map(|&r| Series {
                label: format!("r={}%", r * 100.0),
                points: growth(r, 24),
            })
            .collect()
    }

    fn assert_fits(text: &str, width: usize) {
        for line in text.lines() {
            assert!(
                text_width(line) <= width && line.chars().count() <= width,
                "line {:?} is wider than {width}",
                line
            );
        }
    }

    /// A small well-formedness check: balanced, properly nested tags, quoted
    /// attributes, no stray `<`, and only known entities after `&`.
    fn assert_well_formed(xml: &str) {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = xml;
        let mut roots = 0;
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open]);
            rest = &rest[open..];
            if let Some(after) = rest.strip_prefix("<?") {
                let end = after.find("?>").expect("unterminated declaration");
                rest = &after[end + 2..];
                continue;
            }
            if let Some(after) = rest.strip_prefix("<!--") {
                let end = after.find("-->").expect("unterminated comment");
                rest = &after[end + 3..];
                continue;
            }
            let end = tag_end(rest).expect("unterminated tag");
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let top = stack.pop().expect("close without open");
                assert_eq!(top, name.trim(), "mismatched close tag");
                continue;
            }
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
            assert!(!name.is_empty(), "empty tag name");
            assert_eq!(
                body.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag}"
            );
            check_text(&body.replace('"', ""));
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name);
            }
        }
        check_text(rest);
        assert!(stack.is_empty(), "unclosed tags: {stack:?}");
        assert_eq!(roots, 1, "exactly one root element");
    }

    /// `>` inside a quoted attribute does not end a tag.
    fn tag_end(s: &str) -> Option<usize> {
        let mut quoted = false;
        for (i, c) in s.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '>' if !quoted => return Some(i),
                _ => {}
            }
        }
        None
    }

    fn check_text(text: &str) {
        assert!(!text.contains('<'), "stray < in {text:?}");
        let mut parts = text.split('&');
        parts.next();
        for part in parts {
            assert!(
                ["amp;", "lt;", "gt;", "quot;", "apos;", "#"]
                    .iter()
                    .any(|e| part.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && !"\t\n\r".contains(c)),
            "control character in {text:?}"
        );
    }

    // --- terminal ---

    #[test]
    fn terminal_chart_fits_every_width_from_40_to_200() {
        let series = scenarios();
        for width in 40..=200 {
            let text = terminal(&series, width, 12, "members");
            assert_fits(&text, width);
        }
    }

    #[test]
    fn terminal_chart_has_label_ticks_months_and_legend() {
        let text = terminal(&scenarios(), 80, 12, "members");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "members");
        assert_eq!(lines.len(), 1 + 12 + 2 + 1, "{text}");
        assert!(
            lines[1..13]
                .iter()
                .all(|l| l.contains('|') || l.contains('+'))
        );
        let months = lines[14];
        assert!(months.contains(" 0") && months.contains("24"), "{text}");
        assert!(months.trim_start().starts_with("month"));
        assert_eq!(lines[15], "* r=5%   + r=10%   o r=20%");
        // The top tick covers the largest value: 100 * 1.2^24 = 7949.7.
        assert!(lines[1].trim_start().starts_with("8000"), "{text}");
    }

    #[test]
    fn terminal_chart_draws_each_series_with_its_own_marker() {
        let text = terminal(&scenarios(), 100, 15, "members");
        let plot: String = text.lines().skip(1).take(15).collect();
        for marker in ['*', '+', 'o'] {
            assert!(plot.contains(marker), "{marker} missing in\n{text}");
        }
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn terminal_chart_goes_up_for_growth() {
        let series = [Series {
            label: "a".into(),
            points: growth(0.1, 12),
        }];
        let text = terminal(&series, 60, 10, "");
        let rows: Vec<&str> = text.lines().take(10).collect();
        let gutter = rows[0].find(['|', '+']).expect("axis") + 1;
        let row_at = |col: usize| {
            rows.iter()
                .position(|r| r.chars().nth(col) == Some('*'))
                .expect("a marker in every column")
        };
        let width = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0);
        // Screen rows count downwards, so the end sits above the start.
        assert!(row_at(width - 1) < row_at(gutter), "{text}");
        assert_eq!(row_at(gutter), 9, "{text}");
    }

    #[test]
    fn terminal_chart_survives_degenerate_input() {
        let cases: Vec<Vec<Series>> = vec![
            vec![],
            vec![Series {
                label: "empty".into(),
                points: vec![],
            }],
            vec![Series {
                label: "one".into(),
                points: vec![5.0],
            }],
            vec![Series {
                label: "flat".into(),
                points: vec![3.0; 10],
            }],
            vec![Series {
                label: "zeros".into(),
                points: vec![0.0; 10],
            }],
            vec![Series {
                label: "huge".into(),
                points: vec![-f64::MAX, f64::MAX, 1e300, f64::MIN_POSITIVE],
            }],
            vec![Series {
                label: "nan".into(),
                points: vec![f64::NAN, f64::INFINITY, 1.0, f64::NAN, 2.0],
            }],
            vec![Series {
                label: "max".into(),
                points: vec![f64::MAX; 3],
            }],
            vec![Series {
                label: "tiny".into(),
                points: vec![5e-324; 3],
            }],
        ];
        for series in &cases {
            for width in [0, 1, 5, 20, 40, 80] {
                for height in [0, 1, 3, 20] {
                    let text = terminal(series, width, height, "y");
                    assert_fits(&text, width);
                }
            }
        }
        let none = terminal(&[], 40, 5, "members");
        assert!(none.contains("(no data to chart)"));
        let one = terminal(&cases[2], 40, 5, "members");
        assert!(one.contains('*'));
        let flat = terminal(&cases[3], 40, 5, "members");
        assert!(flat.contains('*') && flat.contains('3'), "{flat}");
    }

    #[test]
    fn terminal_chart_measures_wide_characters_and_drops_control_codes() {
        let series = [Series {
            label: "增长 10%\x1b[31m".into(),
            points: growth(0.1, 12),
        }];
        for width in 40..=60 {
            let text = terminal(&series, width, 8, "成员人数（人）");
            assert_fits(&text, width);
            assert!(!text.contains('\x1b'));
        }
    }

    #[test]
    fn terminal_legend_wraps_to_width() {
        let series: Vec<Series> = (0..12)
            .map(|i| Series {
                label: format!("scenario number {i}"),
                points: vec![i as f64, i as f64 + 1.0],
            })
            .collect();
        let text = terminal(&series, 40, 6, "v");
        assert_fits(&text, 40);
        assert!(text.contains("Z") || text.contains("~ scenario number 9"));
    }

    #[test]
    fn long_histories_get_sparse_month_labels() {
        let series = [Series {
            label: "long".into(),
            points: growth(0.01, 1200),
        }];
        let text = terminal(&series, 50, 6, "");
        assert_fits(&text, 50);
        assert!(text.contains("1200") || text.contains("1000") || text.contains("600"));
        assert_eq!(month_step(12, 13), 1);
        assert_eq!(month_step(24, 13), 2);
        assert_eq!(month_step(36, 7), 6);
        assert_eq!(month_step(1200, 13), 120);
        assert!(month_step(usize::MAX, 2) >= usize::MAX / 2);
    }

    #[test]
    fn tick_values_are_round_and_formatted_compactly() {
        let axis = y_axis(100.0, 313.84, 5);
        assert_eq!(axis.ticks, vec![100.0, 200.0, 300.0, 400.0]);
        assert_eq!(axis.format.format(300.0), "300");
        let axis = y_axis(0.0, 2_500_000.0, 6);
        assert_eq!(axis.format.format(2_000_000.0), "2.0M");
        let axis = y_axis(0.0, 0.03, 4);
        assert_eq!(axis.format.format(0.01), "0.01");
        let axis = y_axis(-f64::MAX, f64::MAX, 5);
        assert!(axis.ticks.iter().all(|t| t.is_finite()));
        assert_eq!(TickFormat::new(-1.0, 1.0, 0.5).format(-0.0), "0.0");
    }

    // --- svg ---

    #[test]
    fn svg_is_well_formed_with_labels_and_a_polyline_per_series() {
        let doc = svg(&scenarios(), "Members", "month", "members");
        assert_well_formed(&doc);
        assert!(doc.starts_with("<?xml"));
        assert!(doc.contains("<title>Members</title>"));
        assert!(doc.contains(">month</text>") && doc.contains(">members</text>"));
        for label in ["r=5%", "r=10%", "r=20%"] {
            assert!(doc.contains(&format!(">{label}</text>")), "{label}");
        }
        assert_eq!(doc.matches("<polyline").count(), 3);
        for colour in &PALETTE[..3] {
            assert!(doc.contains(colour));
        }
        assert!(doc.contains(">24</text>") && doc.contains(">8000</text>"));
    }

    #[test]
    fn svg_escapes_markup_in_labels() {
        let series = [Series {
            label: "A&B <c> \"q\"".into(),
            points: vec![1.0, 2.0],
        }];
        let doc = svg(&series, "<script>&", "x > y", "a\u{1}b");
        assert_well_formed(&doc);
        assert!(doc.contains("&lt;script&gt;&amp;"));
        assert!(doc.contains("A&amp;B &lt;c&gt; &quot;q&quot;"));
        assert!(doc.contains("x &gt; y"));
        assert!(!doc.contains("<script>"));
    }

    #[test]
    fn svg_survives_degenerate_input() {
        let cases: Vec<Vec<Series>> = vec![
            vec![],
            vec![Series {
                label: "empty".into(),
                points: vec![],
            }],
            vec![Series {
                label: "one".into(),
                points: vec![5.0],
            }],
            vec![Series {
                label: "flat".into(),
                points: vec![0.0; 10],
            }],
            vec![Series {
                label: "huge".into(),
                points: vec![-f64::MAX, f64::MAX, f64::NAN, f64::INFINITY],
            }],
        ];
        for series in &cases {
            let doc = svg(series, "t", "x", "y");
            assert_well_formed(&doc);
            assert!(!doc.contains("NaN") && !doc.contains("inf"), "{doc}");
        }
        assert!(svg(&[], "t", "x", "y").contains("no data to chart"));
        assert_eq!(svg(&cases[2], "t", "x", "y").matches("<circle").count(), 1);
    }

    #[test]
    fn svg_grows_to_fit_a_long_legend_and_dashes_repeated_colours() {
        let series: Vec<Series> = (0..30)
            .map(|i| Series {
                label: format!("s{i}"),
                points: vec![0.0, i as f64],
            })
            .collect();
        let doc = svg(&series, "t", "x", "y");
        assert_well_formed(&doc);
        assert!(doc.contains("height=\"680\""));
        assert!(doc.contains("stroke-dasharray"));
    }

    proptest! {
        #[test]
        fn terminal_never_exceeds_width_or_panics(
            values in proptest::collection::vec(
                prop_oneof![any::<f64>(), -1e6f64..1e6], 0..80),
            count in 1usize..5,
            width in 0usize..220,
            height in 0usize..40,
            label in "\\PC{0,20}",
        ) {
            let series: Vec<Series> = (0..count)
                .map(|i| Series {
                    label: format!("{label}{i}"),
                    points: values.iter().skip(i).copied().collect(),
                })
                .collect();
            let text = terminal(&series, width, height, &label);
            for line in text.lines() {
                prop_assert!(text_width(line) <= width);
            }
            let doc = svg(&series, &label, &label, &label);
            assert_well_formed(&doc);
        }
    }
}
