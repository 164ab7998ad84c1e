//! Deterministic CSV data generator for benchmarking `community`.
//!
//! Writes realistic, reproducible CSV to stdout for the importers of a paid
//! knowledge community (知识付费社群): members, payments and content.
//!
//! ```text
//! cargo run --release --example generate -- members 1000000 > members.csv
//! cargo run --release --example generate -- payments 200000 --members 1000000 > payments.csv
//! cargo run --release --example generate -- content 5000 > content.csv
//! cargo run --release --example generate -- members 10 --seed 7 | head -3
//! ```
//!
//! Subcommands (N is the number of data rows; a header row always comes first):
//!
//! * `members N`: `name,email,phone,wechat,tier,status,joined_at,expires_at,source,source_id,tags,note`
//! * `payments N [--members M]`: `reference,kind,amount,paid_at,member,course,period_months,note`;
//!   `member` is the email of a member row in `0..M` (default M = 1000) and is
//!   byte-for-byte what `members` writes for that row with the same `--seed`,
//!   so the two files join. With `--members 0` the column is always empty.
//! * `content N`: `title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares`
//!
//! Options: `--seed N` (also `--seed=N`, default 42). The same arguments always
//! produce the same bytes: every row draws from its own SplitMix64 stream keyed
//! by (seed, table, row index), so output streams in constant memory and row `i`
//! does not depend on how many rows come before or after it.
//!
//! Emails, phones, WeChat ids, payment references, `source_id`s and URLs are
//! unique per row (derived from the row index; phones stay unique up to 10^8
//! rows). Emails are unique case-insensitively: the local part always ends in
//! the decimal row number right after a non-digit, and names contain no digits.
//! CSV follows RFC 4180 quoting (fields with a comma, double quote, CR or LF
//! are quoted, quotes doubled) with LF line endings. Some notes and titles
//! deliberately contain commas, double quotes and (rarely) a line break.
//!
//! Usage errors print a usage line to stderr and exit with status 2; a closed
//! stdout (`| head`) ends the program quietly with status 0.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: generate <members N | payments N [--members M] | content N> [--seed N]";

// ---------------------------------------------------------------------------
// Random numbers: SplitMix64, one independent stream per (seed, table, row).
// ---------------------------------------------------------------------------

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

const STREAM_NAME: u64 = 1;
const STREAM_MEMBER: u64 = 2;
const STREAM_PAYMENT: u64 = 3;
const STREAM_CONTENT: u64 = 4;

/// The SplitMix64 finalizer: a bijection on `u64` with good avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn for_row(seed: u64, stream: u64, index: u64) -> Self {
        let s = mix(seed ^ GOLDEN);
        let s = mix(s ^ mix(stream.wrapping_mul(0xD1B5_4A32_D192_ED03)));
        Rng(mix(s ^ index.wrapping_mul(GOLDEN)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; bias is negligible here).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u64 = items.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut x = self.below(total);
        for &(item, w) in items {
            if x < u64::from(w) {
                return item;
            }
            x -= u64::from(w);
        }
        items[items.len() - 1].0
    }
}

/// A bijection of `0..modulus` (for `i < modulus`): looks random, never collides.
/// `SCRAMBLE_MUL` is a prime above 5 and below every modulus used here, so it
/// is coprime with them (all are of the form 2^a 3^b 5^c).
fn scramble(i: u64, modulus: u64) -> u64 {
    const SCRAMBLE_MUL: u64 = 73_856_093; // prime
    ((i % modulus) * (SCRAMBLE_MUL % modulus) + 58_213_497) % modulus
}

// ---------------------------------------------------------------------------
// Calendar (proleptic Gregorian, days since 1970-01-01).
// ---------------------------------------------------------------------------

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Adds calendar months, clamping the day (2024-01-31 + 1 month = 2024-02-29).
fn add_months(day: i64, months: i64) -> i64 {
    let (y, m, d) = civil_from_days(day);
    let total = y * 12 + i64::from(m) - 1 + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    days_from_civil(ny, nm, d.min(days_in_month(ny, nm)))
}

fn month_index(day: i64) -> i64 {
    let (y, m, _) = civil_from_days(day);
    y * 12 + i64::from(m)
}

/// A day in `lo..=hi`, denser towards `hi` (a growing community).
fn growth_day(r: &mut Rng, lo: i64, hi: i64) -> i64 {
    let u = r.unit();
    let t = if r.chance(0.3) { u } else { u.sqrt() };
    (lo + (t * (hi - lo + 1) as f64) as i64).min(hi)
}

fn write_date<W: Write>(w: &mut W, day: i64) -> io::Result<()> {
    let (y, m, d) = civil_from_days(day);
    write!(w, "{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------
// CSV output.
// ---------------------------------------------------------------------------

/// Writes one field, quoting it when it holds a comma, quote, CR or LF.
fn field<W: Write>(w: &mut W, s: &str) -> io::Result<()> {
    if !s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        return w.write_all(s.as_bytes());
    }
    w.write_all(b"\"")?;
    for (k, part) in s.split('"').enumerate() {
        if k > 0 {
            w.write_all(b"\"\"")?;
        }
        w.write_all(part.as_bytes())?;
    }
    w.write_all(b"\"")
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[k..] {
        out.push(char::from(b));
    }
}

/// Writes cents as a decimal string with two places: 9990 -> "99.90".
fn write_amount<W: Write>(w: &mut W, cents: u64) -> io::Result<()> {
    write!(w, "{}.{:02}", cents / 100, cents % 100)
}

// ---------------------------------------------------------------------------
// Names and emails (shared by `members` and `payments`).
// ---------------------------------------------------------------------------

/// (汉字, pinyin, weight)
const SURNAMES: &[((&str, &str), u32)] = &[
    (("李", "li"), 80),
    (("王", "wang"), 80),
    (("张", "zhang"), 76),
    (("刘", "liu"), 58),
    (("陈", "chen"), 50),
    (("杨", "yang"), 35),
    (("黄", "huang"), 26),
    (("赵", "zhao"), 24),
    (("吴", "wu"), 22),
    (("周", "zhou"), 22),
    (("徐", "xu"), 18),
    (("孙", "sun"), 18),
    (("马", "ma"), 16),
    (("朱", "zhu"), 15),
    (("胡", "hu"), 15),
    (("郭", "guo"), 14),
    (("何", "he"), 13),
    (("高", "gao"), 13),
    (("林", "lin"), 13),
    (("罗", "luo"), 12),
    (("郑", "zheng"), 11),
    (("梁", "liang"), 11),
    (("谢", "xie"), 10),
    (("宋", "song"), 9),
    (("唐", "tang"), 9),
    (("许", "xu"), 8),
    (("韩", "han"), 8),
    (("冯", "feng"), 8),
    (("邓", "deng"), 8),
    (("曹", "cao"), 7),
    (("彭", "peng"), 7),
    (("曾", "zeng"), 7),
    (("肖", "xiao"), 7),
    (("田", "tian"), 6),
    (("董", "dong"), 6),
    (("袁", "yuan"), 6),
    (("潘", "pan"), 5),
    (("于", "yu"), 5),
    (("蒋", "jiang"), 5),
    (("蔡", "cai"), 5),
    (("余", "yu"), 5),
    (("杜", "du"), 5),
    (("叶", "ye"), 5),
    (("程", "cheng"), 5),
    (("苏", "su"), 4),
    (("魏", "wei"), 4),
    (("吕", "lv"), 4),
    (("丁", "ding"), 4),
    (("任", "ren"), 4),
    (("沈", "shen"), 4),
    (("欧阳", "ouyang"), 3),
    (("司马", "sima"), 1),
    (("诸葛", "zhuge"), 1),
    (("上官", "shangguan"), 1),
    (("慕容", "murong"), 1),
];

const GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("华", "hua"),
    ("红", "hong"),
    ("玉", "yu"),
    ("婷", "ting"),
    ("雪", "xue"),
    ("慧", "hui"),
    ("晨", "chen"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("子", "zi"),
    ("涵", "han"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("梓", "zi"),
    ("轩", "xuan"),
    ("博", "bo"),
    ("文", "wen"),
    ("雷", "lei"),
    ("小", "xiao"),
    ("佳", "jia"),
    ("思", "si"),
    ("雨", "yu"),
    ("晓", "xiao"),
    ("鹏", "peng"),
    ("辉", "hui"),
    ("琳", "lin"),
    ("颖", "ying"),
    ("嘉", "jia"),
    ("一", "yi"),
    ("诗", "shi"),
    ("天", "tian"),
    ("俊", "jun"),
    ("凯", "kai"),
    ("莉", "li"),
    ("薇", "wei"),
    ("倩", "qian"),
    ("阳", "yang"),
    ("璐", "lu"),
    ("睿", "rui"),
    ("泽", "ze"),
];

/// Characters commonly doubled in given names (娜娜, 婷婷).
const DOUBLED: &[(&str, &str)] = &[
    ("娜", "na"),
    ("婷", "ting"),
    ("丹", "dan"),
    ("晶", "jing"),
    ("莹", "ying"),
    ("欢", "huan"),
    ("乐", "le"),
    ("琳", "lin"),
    ("菲", "fei"),
    ("璐", "lu"),
];

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Emily",
    "Matthew",
    "Emma",
    "Anthony",
    "Olivia",
    "Mark",
    "Sophia",
    "Steven",
    "Grace",
    "Paul",
    "Chloe",
    "Andrew",
    "Hannah",
    "Joshua",
    "Lucy",
    "Kevin",
    "Amelia",
    "Brian",
    "Zoe",
    "Ethan",
    "Mia",
    "Lucas",
    "Nora",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Liam",
    "Ella",
    "Kenji",
    "Yuki",
    "Priya",
    "Arjun",
    "Sofia",
    "Mateo",
    "Lars",
    "Ingrid",
];

/// Last names; a few carry an apostrophe (O'Brien) to exercise text handling.
const LAST_NAMES: &[(&str, u32)] = &[
    ("Smith", 30),
    ("Johnson", 24),
    ("Williams", 20),
    ("Brown", 20),
    ("Jones", 18),
    ("Garcia", 16),
    ("Miller", 16),
    ("Davis", 15),
    ("Rodriguez", 12),
    ("Martinez", 12),
    ("Wilson", 12),
    ("Anderson", 11),
    ("Taylor", 11),
    ("Thomas", 10),
    ("Moore", 10),
    ("Jackson", 10),
    ("Martin", 10),
    ("Lee", 10),
    ("Thompson", 9),
    ("White", 9),
    ("Harris", 9),
    ("Clark", 8),
    ("Lewis", 8),
    ("Walker", 8),
    ("Hall", 7),
    ("Young", 7),
    ("King", 7),
    ("Wright", 7),
    ("Scott", 6),
    ("Green", 6),
    ("Baker", 6),
    ("Nguyen", 6),
    ("Kim", 6),
    ("Patel", 6),
    ("Schmidt", 5),
    ("Schneider", 3),
    ("Rossi", 4),
    ("Tanaka", 4),
    ("Silva", 4),
    ("Novak", 3),
    ("Larsen", 3),
    ("Cohen", 3),
    ("O'Brien", 3),
    ("O'Connor", 2),
    ("D'Angelo", 2),
    ("O'Neil", 1),
];

const DOMAINS: &[(&str, u32)] = &[("example.com", 5), ("example.org", 3), ("example.net", 2)];

#[derive(Clone, Copy)]
enum Name {
    Chinese {
        surname: (&'static str, &'static str),
        given: (&'static str, &'static str),
        given2: Option<(&'static str, &'static str)>,
    },
    Latin {
        first: &'static str,
        middle: Option<char>,
        last: &'static str,
    },
}

/// Everything needed to render a member's name and email; depends only on
/// (seed, row index), so `payments` can rebuild the email of any member row.
#[derive(Clone, Copy)]
struct Identity {
    name: Name,
    style: u8,
    domain: &'static str,
    mixed_case: bool,
}

fn identity(seed: u64, i: u64) -> Identity {
    let mut r = Rng::for_row(seed, STREAM_NAME, i);
    let name = if r.chance(0.6) {
        let surname = r.weighted(SURNAMES);
        let x = r.unit();
        let (given, given2) = if x < 0.05 {
            let c = r.pick(DOUBLED);
            (c, Some(c))
        } else if x < 0.40 {
            (r.pick(GIVEN), None)
        } else {
            (r.pick(GIVEN), Some(r.pick(GIVEN)))
        };
        Name::Chinese {
            surname,
            given,
            given2,
        }
    } else {
        let first = r.pick(FIRST_NAMES);
        let middle = if r.chance(0.06) {
            Some(char::from(b'A' + r.below(26) as u8))
        } else {
            None
        };
        Name::Latin {
            first,
            middle,
            last: r.weighted(LAST_NAMES),
        }
    };
    Identity {
        name,
        style: r.weighted(&[(0u8, 50), (1, 20), (2, 15), (3, 15)]),
        domain: r.weighted(DOMAINS),
        mixed_case: r.chance(0.02),
    }
}

/// Appends the ASCII letters of `s`, lowercased (drops apostrophes, umlauts).
fn push_ascii_lower(out: &mut String, s: &str) {
    for c in s.chars().filter(char::is_ascii_alphabetic) {
        out.push(c.to_ascii_lowercase());
    }
}

fn push_initial(out: &mut String, s: &str) {
    if let Some(c) = s.chars().find(char::is_ascii_alphabetic) {
        out.push(c.to_ascii_lowercase());
    }
}

impl Identity {
    fn write_name(&self, out: &mut String) {
        match self.name {
            Name::Chinese {
                surname,
                given,
                given2,
            } => {
                out.push_str(surname.0);
                out.push_str(given.0);
                if let Some(g) = given2 {
                    out.push_str(g.0);
                }
            }
            Name::Latin {
                first,
                middle,
                last,
            } => {
                out.push_str(first);
                out.push(' ');
                if let Some(m) = middle {
                    out.push(m);
                    out.push_str(". ");
                }
                out.push_str(last);
            }
        }
    }

    /// Lowercase handle used for WeChat ids: `lilei`, `johnsmith`.
    fn write_handle(&self, out: &mut String) {
        match self.name {
            Name::Chinese {
                surname,
                given,
                given2,
            } => {
                out.push_str(surname.1);
                out.push_str(given.1);
                if let Some(g) = given2 {
                    out.push_str(g.1);
                }
            }
            Name::Latin { first, last, .. } => {
                push_ascii_lower(out, first);
                push_ascii_lower(out, last);
            }
        }
        out.truncate(out.len().min(12));
    }

    /// The email of member row `i`, e.g. `li.lei.124@example.com`.
    ///
    /// The local part ends with the decimal row number `i + 1` preceded by a
    /// non-digit and names contribute letters only, so the number can be read
    /// back from any email: emails are unique even case-insensitively.
    fn write_email(&self, i: u64, out: &mut String) {
        let start = out.len();
        // `a` then `b` in natural order: surname first for Chinese names
        // (li + lei), first name first for Latin ones (john + smith).
        let (a, b): (&str, [&str; 2]) = match self.name {
            Name::Chinese {
                surname,
                given,
                given2,
            } => (surname.1, [given.1, given2.map_or("", |g| g.1)]),
            Name::Latin { first, last, .. } => (first, [last, ""]),
        };
        let push_b = |out: &mut String| b.iter().for_each(|part| push_ascii_lower(out, part));
        let push_b_initials = |out: &mut String| b.iter().for_each(|part| push_initial(out, part));
        let latin = matches!(self.name, Name::Latin { .. });
        match self.style {
            0 => {
                push_ascii_lower(out, a);
                out.push('.');
                push_b(out);
                out.push('.');
            }
            1 => {
                push_ascii_lower(out, a);
                push_b(out);
            }
            2 if latin => {
                push_initial(out, a);
                push_b(out);
            }
            2 => {
                push_ascii_lower(out, a);
                out.push('_');
                push_b_initials(out);
            }
            _ => {
                push_ascii_lower(out, a);
                out.push('.');
                push_b_initials(out);
                out.push('.');
            }
        }
        push_u64(out, i + 1);
        out.push('@');
        out.push_str(self.domain);
        if self.mixed_case {
            // `Wang.Xm.77@Example.com`: capitalise each word and the domain.
            let mut upper_next = true;
            let mut in_domain = false;
            let mixed: String = out[start..]
                .chars()
                .map(|c| {
                    let c2 = if upper_next {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    };
                    upper_next = !in_domain && matches!(c, '.' | '_' | '@');
                    in_domain |= c == '@';
                    c2
                })
                .collect();
            out.truncate(start);
            out.push_str(&mixed);
        }
    }
}

/// The email `members` writes for row `i` (0-based) with the same seed
/// (`members` calls `Identity::write_email` on the same `identity(seed, i)`).
fn member_email(seed: u64, i: u64, out: &mut String) {
    identity(seed, i).write_email(i, out);
}

// ---------------------------------------------------------------------------
// members
// ---------------------------------------------------------------------------

const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182",
    "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    Free,
    Basic,
    Pro,
}

const SOURCES_CN: &[(&str, u32)] = &[
    ("wechat", 30),
    ("xiaohongshu", 14),
    ("bilibili", 12),
    ("zhihu", 12),
    ("douyin", 10),
    ("weibo", 8),
    ("referral", 10),
    ("ghost", 1),
    ("patreon", 1),
    ("substack", 2),
];

const SOURCES_LATIN: &[(&str, u32)] = &[
    ("wechat", 8),
    ("weibo", 2),
    ("xiaohongshu", 4),
    ("bilibili", 4),
    ("zhihu", 3),
    ("douyin", 3),
    ("referral", 16),
    ("ghost", 18),
    ("patreon", 20),
    ("substack", 22),
];

const TAGS: &[&str] = &[
    "rust", "ai", "career", "python", "design", "startup", "写作", "投资", "产品", "效率", "读书",
    "english",
];

const NOTES_PLAIN: &[&str] = &[
    "老用户",
    "续费三次",
    "需要发票",
    "朋友推荐",
    "来自直播间",
    "学生优惠",
    "早鸟价加入",
    "线下活动认识",
    "想转行做产品",
    "VIP",
    "early supporter",
    "prefers email",
    "met at meetup",
    "asked about refund",
    "student discount",
    "annual plan gift",
];

/// Notes that need CSV quoting.
const NOTES_TRICKY: &[&str] = &[
    "VIP, early supporter",
    "朋友推荐, 需要发票",
    "Prefers email, not WeChat",
    "Asked for \"student\" discount",
    "说课程\"很有帮助\"",
    "Paid via bank transfer, ref \"INV-2041\"",
    "refund requested, then cancelled",
];

const NOTE_MULTILINE: &str = "第一次咨询：问了退款政策\n第二次：已续费";

fn write_members<W: Write>(w: &mut W, n: u64, seed: u64) -> io::Result<()> {
    w.write_all(
        b"name,email,phone,wechat,tier,status,joined_at,expires_at,source,source_id,tags,note\n",
    )?;
    let start = days_from_civil(2019, 1, 1);
    let end = days_from_civil(2026, 11, 20);
    let mut text = String::with_capacity(64);
    for i in 0..n {
        let id = identity(seed, i);
        let mut r = Rng::for_row(seed, STREAM_MEMBER, i);

        text.clear();
        id.write_name(&mut text);
        field(w, &text)?;
        w.write_all(b",")?;
        text.clear();
        id.write_email(i, &mut text);
        field(w, &text)?;
        w.write_all(b",")?;

        if r.chance(0.5) {
            let prefix = r.pick(PHONE_PREFIXES);
            write!(w, "{prefix}{:08}", scramble(i, 100_000_000))?;
        }
        w.write_all(b",")?;
        if r.chance(0.4) {
            text.clear();
            text.push_str("wx_");
            id.write_handle(&mut text);
            text.push('_');
            push_u64(&mut text, i + 1);
            w.write_all(text.as_bytes())?;
        }
        w.write_all(b",")?;

        let tier = r.weighted(&[(Tier::Free, 40), (Tier::Basic, 40), (Tier::Pro, 20)]);
        let status = if tier == Tier::Free {
            r.weighted(&[("active", 82), ("paused", 5), ("cancelled", 13)])
        } else {
            r.weighted(&[
                ("active", 64),
                ("trial", 8),
                ("cancelled", 9),
                ("paused", 4),
                ("comped", 4),
                ("expired", 11),
            ])
        };
        let months = if status == "trial" {
            1
        } else {
            r.weighted(&[(1i64, 30), (3, 8), (6, 8), (12, 40), (24, 7), (36, 7)])
        };
        let (joined, expires) = match (tier, status) {
            (Tier::Free, _) => (growth_day(&mut r, start, end), None),
            (_, "trial") => {
                let j = end - r.range(0, 25) as i64;
                (j, Some(add_months(j, 1)))
            }
            (_, "expired") => {
                // Lapsed before the reference date.
                let j = growth_day(&mut r, start, add_months(end, -months) - 1);
                (j, Some(add_months(j, months)))
            }
            (_, st) => {
                let j = growth_day(&mut r, start, end);
                let mut e = add_months(j, months);
                // Most current members renewed their plan; a few lapsed
                // without their status being updated (dirty data).
                if e < end && st != "cancelled" && r.chance(0.85) {
                    let k = ((month_index(end) - month_index(j)) / months).max(1);
                    e = add_months(j, k * months);
                    if e < end {
                        e = add_months(j, (k + 1) * months);
                    }
                }
                (j, Some(e))
            }
        };
        let tier_str = match tier {
            Tier::Free => "free",
            Tier::Basic => "basic",
            Tier::Pro => "pro",
        };
        write!(w, "{tier_str},{status},")?;
        write_date(w, joined)?;
        w.write_all(b",")?;
        if let Some(e) = expires {
            write_date(w, e)?;
        }
        w.write_all(b",")?;

        let source = match id.name {
            Name::Chinese { .. } => r.weighted(SOURCES_CN),
            Name::Latin { .. } => r.weighted(SOURCES_LATIN),
        };
        w.write_all(source.as_bytes())?;
        w.write_all(b",")?;
        match source {
            "patreon" => write!(w, "{}", 10_000_000 + scramble(i, 90_000_000))?,
            "substack" => write!(w, "{}", 100_000_000 + scramble(i, 900_000_000))?,
            "ghost" => {
                // Ghost-style 24-hex object id: creation time + a bijection of i.
                let secs = (joined * 86_400 + r.below(86_400) as i64) as u64;
                let tail = mix(i ^ mix(seed));
                write!(w, "{:08x}{:016x}", secs & 0xFFFF_FFFF, tail)?;
            }
            _ => {}
        }
        w.write_all(b",")?;

        let ntags = r.weighted(&[(0usize, 30), (1, 35), (2, 25), (3, 10)]);
        let mut chosen = [usize::MAX; 3];
        let mut k = 0;
        while k < ntags {
            let t = r.below(TAGS.len() as u64) as usize;
            if !chosen[..k].contains(&t) {
                chosen[k] = t;
                k += 1;
            }
        }
        for (j, &t) in chosen[..ntags].iter().enumerate() {
            if j > 0 {
                w.write_all(b";")?;
            }
            w.write_all(TAGS[t].as_bytes())?;
        }
        w.write_all(b",")?;

        let x = r.unit();
        if x < 0.0005 {
            field(w, NOTE_MULTILINE)?;
        } else if x < 0.03 {
            field(w, r.pick(NOTES_TRICKY))?;
        } else if x < 0.15 {
            field(w, r.pick(NOTES_PLAIN))?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// payments
// ---------------------------------------------------------------------------

/// (slug, list price in cents)
const COURSES: &[(&str, u64)] = &[
    ("rust-101", 69_900),
    ("ai-bootcamp", 199_900),
    ("writing-camp", 49_900),
    ("career-2026", 29_900),
    ("python-basics", 19_900),
    ("investing-101", 99_900),
    ("product-thinking", 129_900),
];

const SPONSORS: &[&str] = &[
    "赞助：某云服务商",
    "赞助：极客时间",
    "Sponsor: Acme Cloud",
    "Sponsor: DevTools Inc.",
    "广告：读书 App 推广",
    "Ad: newsletter slot, March",
];

const OTHER_NOTES: &[&str] = &[
    "打赏",
    "线下活动门票",
    "tip",
    "meetup ticket",
    "周边：贴纸",
    "1v1 咨询",
];

const PAYMENT_NOTES: &[&str] = &[
    "续费",
    "优惠券 SPRING20",
    "老学员价",
    "needs invoice",
    "invoice requested, company: Acme Ltd",
    "学员说 \"很有帮助\"",
    "partial refund later",
];

/// Payment hour weights: evenings are busiest.
const HOUR_WEIGHTS: &[(u64, u32)] = &[
    (0, 3),
    (1, 2),
    (2, 1),
    (3, 1),
    (4, 1),
    (5, 1),
    (6, 2),
    (7, 4),
    (8, 6),
    (9, 7),
    (10, 7),
    (11, 7),
    (12, 8),
    (13, 7),
    (14, 6),
    (15, 6),
    (16, 6),
    (17, 6),
    (18, 7),
    (19, 9),
    (20, 12),
    (21, 13),
    (22, 10),
    (23, 6),
];

fn write_payments<W: Write>(w: &mut W, n: u64, members: u64, seed: u64) -> io::Result<()> {
    w.write_all(b"reference,kind,amount,paid_at,member,course,period_months,note\n")?;
    let start = days_from_civil(2021, 1, 1);
    let end = days_from_civil(2026, 11, 20);
    let mut email = String::with_capacity(64);
    for i in 0..n {
        let mut r = Rng::for_row(seed, STREAM_PAYMENT, i);
        let day = growth_day(&mut r, start, end);
        let (y, mo, d) = civil_from_days(day);
        let prefix = r.weighted(&[("WX", 70), ("AL", 25), ("ST", 5)]);
        let kind = r.weighted(&[
            ("membership", 60),
            ("course", 20),
            ("qa", 10),
            ("sponsorship", 4),
            ("ad", 3),
            ("other", 3),
        ]);
        write!(w, "{prefix}{y:04}{mo:02}{d:02}{:07},{kind},", i + 1)?;

        let mut course = "";
        let mut period = 0;
        let mut note = "";
        let cents = match kind {
            "membership" => {
                period = r.weighted(&[(1u32, 40), (12, 60)]);
                if period == 1 {
                    r.weighted(&[(9_900, 70), (19_900, 30)])
                } else {
                    r.weighted(&[(29_900, 55), (99_900, 45)])
                }
            }
            "course" => {
                let (slug, price) = r.pick(COURSES);
                course = slug;
                if r.chance(0.2) && price * 8 / 10 >= 19_900 {
                    price * 8 / 10
                } else {
                    price
                }
            }
            "qa" => r.weighted(&[
                (990, 25),
                (1_990, 25),
                (2_990, 20),
                (4_900, 15),
                (9_900, 10),
                (19_900, 5),
            ]),
            "sponsorship" | "ad" => {
                note = r.pick(SPONSORS);
                let u = r.unit();
                (500 + ((19_500.0 * u * u) as u64) / 100 * 100) * 100
            }
            _ => {
                note = r.pick(OTHER_NOTES);
                r.range(100, 50_000)
            }
        };
        if note.is_empty() && r.chance(0.05) {
            note = r.pick(PAYMENT_NOTES);
        }
        write_amount(w, cents)?;
        w.write_all(b",")?;

        write_date(w, day)?;
        let hour = r.weighted(HOUR_WEIGHTS);
        write!(w, " {hour:02}:{:02}:{:02},", r.below(60), r.below(60))?;

        let has_member = match kind {
            "sponsorship" | "ad" => false,
            "other" => r.chance(0.5),
            _ => true,
        };
        if has_member && members > 0 {
            email.clear();
            member_email(seed, r.below(members), &mut email);
            field(w, &email)?;
        }
        w.write_all(b",")?;
        w.write_all(course.as_bytes())?;
        w.write_all(b",")?;
        if period > 0 {
            write!(w, "{period}")?;
        }
        w.write_all(b",")?;
        field(w, note)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// content
// ---------------------------------------------------------------------------

/// (topic, Chinese subjects, English subjects)
const TOPICS: &[(&str, &[&str], &[&str])] = &[
    (
        "编程技术",
        &[
            "Rust",
            "Python",
            "异步编程",
            "数据库索引",
            "命令行工具",
            "单元测试",
            "Git 工作流",
            "SQLite",
        ],
        &[
            "Rust",
            "Python",
            "Async Rust",
            "SQLite",
            "CLI Tools",
            "Unit Testing",
            "Git",
        ],
    ),
    (
        "职业发展",
        &["跳槽", "远程工作", "面试", "晋升", "副业", "简历", "转行"],
        &[
            "Remote Work",
            "Job Interviews",
            "Promotions",
            "Side Projects",
            "Salary Negotiation",
            "Career Switches",
        ],
    ),
    (
        "AI 工具",
        &[
            "ChatGPT",
            "Claude",
            "AI 编程助手",
            "提示词",
            "本地大模型",
            "AI 绘图",
            "AI 智能体",
        ],
        &[
            "ChatGPT",
            "Claude",
            "AI Coding Assistants",
            "Prompting",
            "Local LLMs",
            "AI Agents",
        ],
    ),
    (
        "写作",
        &[
            "公众号写作",
            "长文写作",
            "标题",
            "日更",
            "个人品牌",
            "Newsletter",
        ],
        &[
            "Newsletters",
            "Long-form Writing",
            "Headlines",
            "Daily Writing",
            "Personal Branding",
            "Editing",
        ],
    ),
    (
        "投资理财",
        &["指数基金", "资产配置", "记账", "复利", "美股", "个人养老金"],
        &[
            "Index Funds",
            "Asset Allocation",
            "Budgeting",
            "Compound Interest",
            "Dividends",
            "Retirement Savings",
        ],
    ),
];

const VERBS: &[&str] = &[
    "Learned",
    "Shipped",
    "Automated",
    "Stopped Worrying About",
    "Doubled Down on",
    "Taught Myself",
    "Rethought",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Article,
    Video,
    Live,
    Discussion,
    Qa,
    Event,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Idea,
    Draft,
    Review,
    Scheduled,
    Published,
    Archived,
}

/// Picks an item different from `not` (the lists hold several distinct items).
fn pick_other<'a>(r: &mut Rng, items: &[&'a str], not: &str) -> &'a str {
    loop {
        let s = r.pick(items);
        if s != not || items.len() < 2 {
            return s;
        }
    }
}

fn write_title(r: &mut Rng, kind: Kind, cn: &[&str], en: &[&str], out: &mut String) {
    use std::fmt::Write as _;
    let n = r.range(3, 12);
    let year = r.range(2021, 2026);
    // Writing to a String cannot fail.
    let _ = if r.chance(0.65) {
        let s = r.pick(cn);
        let s2 = pick_other(r, cn, s);
        match kind {
            Kind::Qa => match r.below(3) {
                0 => write!(out, "答疑：{s}到底值不值得学？"),
                1 => write!(out, "{s}问答合集（第 {n} 期）"),
                _ => write!(out, "你问我答｜关于{s}的 {n} 个问题"),
            },
            Kind::Live => write!(out, "直播｜{s}实战分享"),
            Kind::Event => write!(out, "线下活动｜{s}交流会（{year} 年第 {n} 场）"),
            Kind::Discussion => match r.below(2) {
                0 => write!(out, "讨论：你是怎么学{s}的？"),
                _ => write!(out, "聊聊{s}，以及我的一些思考"),
            },
            Kind::Article | Kind::Video => match r.below(8) {
                0 => write!(out, "{s}入门：{n} 个要点"),
                1 => write!(out, "{year} 年{s}复盘"),
                2 => write!(out, "{s}：我的 {n} 条实践笔记"),
                3 => write!(out, "关于{s}的 {n} 个误区"),
                4 => write!(out, "从零开始学{s}（第 {n} 期）"),
                5 => write!(out, "{s}实战：踩过的坑"),
                6 => write!(out, "{s}、{s2}和长期主义"),
                _ => write!(out, "“{s}”到底是什么？"),
            },
        }
    } else {
        let s = r.pick(en);
        let s2 = pick_other(r, en, s);
        match kind {
            Kind::Qa => write!(out, "Q&A: Your Questions About {s}"),
            Kind::Live => write!(out, "Live: {s} Office Hours #{n}"),
            Kind::Event => write!(out, "Meetup: {s} Night, {year}"),
            Kind::Discussion => write!(out, "Discussion: What Is Your {s} Setup?"),
            Kind::Article | Kind::Video => match r.below(7) {
                0 => write!(out, "How I {} {s}", r.pick(VERBS)),
                1 => write!(out, "{n} Lessons from a Year of {s}"),
                2 => write!(out, "A Beginner's Guide to {s}"),
                3 => write!(out, "Why {s} Matters in {year}"),
                4 => write!(out, "{s}, {s2}, and Everything in Between"),
                5 => write!(out, "The \"Boring\" Way to Learn {s}"),
                _ => write!(out, "{s} in {n} Minutes"),
            },
        }
    };
}

/// A `YYYY-MM-DD HH:MM` moment at a typical publishing time.
fn write_slot<W: Write>(w: &mut W, r: &mut Rng, day: i64) -> io::Result<()> {
    write_date(w, day)?;
    let hour = r.weighted(&[(8u64, 20), (12, 15), (18, 10), (20, 30), (21, 20), (10, 5)]);
    let minute = r.weighted(&[(0u64, 60), (30, 25), (15, 5), (45, 5), (5, 5)]);
    write!(w, " {hour:02}:{minute:02}")
}

fn write_content<W: Write>(w: &mut W, n: u64, seed: u64) -> io::Result<()> {
    w.write_all(
        b"title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares\n",
    )?;
    let start = days_from_civil(2021, 1, 1);
    let end = days_from_civil(2026, 11, 20);
    let future_lo = days_from_civil(2026, 12, 1);
    let future_hi = days_from_civil(2027, 6, 30);
    let mut title = String::with_capacity(128);
    for i in 0..n {
        let mut r = Rng::for_row(seed, STREAM_CONTENT, i);
        let kind = r.weighted(&[
            (Kind::Article, 45),
            (Kind::Video, 20),
            (Kind::Live, 10),
            (Kind::Discussion, 10),
            (Kind::Qa, 10),
            (Kind::Event, 5),
        ]);
        let status = r.weighted(&[
            (Status::Published, 62),
            (Status::Archived, 8),
            (Status::Scheduled, 8),
            (Status::Review, 5),
            (Status::Draft, 9),
            (Status::Idea, 8),
        ]);
        let (topic, cn, en) = r.pick(TOPICS);
        title.clear();
        write_title(&mut r, kind, cn, en, &mut title);
        field(w, &title)?;
        let (kind_str, path) = match kind {
            Kind::Article => ("article", "p"),
            Kind::Video => ("video", "v"),
            Kind::Live => ("live", "live"),
            Kind::Discussion => ("discussion", "t"),
            Kind::Qa => ("qa", "qa"),
            Kind::Event => ("event", "e"),
        };
        let status_str = match status {
            Status::Idea => "idea",
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Archived => "archived",
        };
        write!(w, ",{kind_str},{status_str},{topic},")?;

        match status {
            Status::Scheduled => {
                let day = future_lo + r.below((future_hi - future_lo + 1) as u64) as i64;
                write_slot(w, &mut r, day)?;
                w.write_all(b",,,,,,")?;
            }
            Status::Draft | Status::Review => {
                if r.chance(0.3) {
                    let day = future_lo + r.below((future_hi - future_lo + 1) as u64) as i64;
                    write_slot(w, &mut r, day)?;
                }
                w.write_all(b",,,,,,")?;
            }
            Status::Idea => w.write_all(b",,,,,,")?,
            Status::Published | Status::Archived => {
                let hi = if status == Status::Archived {
                    days_from_civil(2025, 12, 31)
                } else {
                    end
                };
                let day = growth_day(&mut r, start, hi);
                // Write the slot once into a small buffer: scheduled posts
                // went out exactly at their scheduled time.
                let mut slot = Vec::with_capacity(16);
                write_slot(&mut slot, &mut r, day)?;
                if r.chance(0.3) {
                    w.write_all(&slot)?;
                }
                w.write_all(b",")?;
                w.write_all(&slot)?;
                write!(w, ",https://example.com/{path}/{}", i + 1)?;

                // Heavy-tailed reach: Pareto(alpha = 1.1) from a floor of 60.
                let boost = match kind {
                    Kind::Video => 3.0,
                    Kind::Live => 1.5,
                    Kind::Discussion | Kind::Qa => 0.6,
                    Kind::Event => 0.4,
                    Kind::Article => 1.0,
                };
                let u = 1.0 - r.unit();
                let views = (60.0 * boost * u.powf(-1.0 / 1.1)).min(5_000_000.0) as u64;
                let like_rate = 0.01 + 0.07 * r.unit();
                let likes = (views as f64 * like_rate) as u64;
                let comments = (views as f64 * (0.001 + 0.02 * r.unit())) as u64;
                let shares = (likes as f64 * (0.05 + 0.25 * r.unit())) as u64;
                writeln!(w, ",{views},{likes},{comments},{shares}")?;
                continue;
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

enum Command {
    Members(u64),
    Payments { n: u64, members: u64 },
    Content(u64),
}

fn parse_count(what: &str, value: Option<String>) -> Result<u64, String> {
    let v = value.ok_or_else(|| format!("missing value for {what}"))?;
    v.parse::<u64>()
        .map_err(|_| format!("invalid {what}: {v:?} (expected a non-negative integer)"))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<(Command, u64), String> {
    let mut args = args.into_iter();
    let sub = args.next().ok_or("missing subcommand")?;
    let n = parse_count("N", args.next())?;
    let mut seed = 42;
    let mut members = None;
    while let Some(arg) = args.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let value = match inline {
            Some(v) => Some(v),
            None => args.next(),
        };
        match key.as_str() {
            "--seed" => seed = parse_count("--seed", value)?,
            "--members" if sub == "payments" => members = Some(parse_count("--members", value)?),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let cmd = match sub.as_str() {
        "members" => Command::Members(n),
        "payments" => Command::Payments {
            n,
            members: members.unwrap_or(1000),
        },
        "content" => Command::Content(n),
        other => return Err(format!("unknown subcommand {other:?}")),
    };
    Ok((cmd, seed))
}

fn run<W: Write>(cmd: &Command, seed: u64, w: &mut W) -> io::Result<()> {
    match *cmd {
        Command::Members(n) => write_members(w, n, seed),
        Command::Payments { n, members } => write_payments(w, n, members, seed),
        Command::Content(n) => write_content(w, n, seed),
    }?;
    w.flush()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let (cmd, seed) = match parse_args(args) {
        Ok(parsed) => parsed,
        Err(msg) => {
            eprintln!("generate: {msg}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match run(&cmd, seed, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate: {e}");
            ExitCode::FAILURE
        }
    }
}
