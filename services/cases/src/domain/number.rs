//! How cases are named to people: the human case number (`140200-2026-000123`), the query
//! code an applicant follows a case with, and the masking of personal data in every list
//! and public view.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// The largest serial a region can number in a year.
pub const MAX_SERIAL: u32 = 999_999;

/// A case number: region, year of submission, serial within both.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNumber {
    region_code: String,
    year: i32,
    serial: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("a case number is written RRRRRR-YYYY-NNNNNN, e.g. 140200-2026-000123")]
    CaseNumberFormat,
    #[error("region code must be six digits")]
    Region,
    #[error("year must be between 2000 and 9999")]
    Year,
    #[error("serial must be between 1 and {MAX_SERIAL}")]
    Serial,
    #[error("a query code is {QUERY_CODE_LEN} characters of {QUERY_CODE_ALPHABET}")]
    QueryCodeFormat,
}

fn six_digits(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

impl CaseNumber {
    pub fn new(region_code: &str, year: i32, serial: u32) -> Result<CaseNumber, NumberError> {
        if !six_digits(region_code) {
            return Err(NumberError::Region);
        }
        if !(2000..=9999).contains(&year) {
            return Err(NumberError::Year);
        }
        if !(1..=MAX_SERIAL).contains(&serial) {
            return Err(NumberError::Serial);
        }
        Ok(CaseNumber {
            region_code: region_code.to_string(),
            year,
            serial,
        })
    }

    /// Reads a number as written; only the canonical spelling is accepted, so one case has
    /// one number.
    pub fn parse(s: &str) -> Result<CaseNumber, NumberError> {
        let parts: Vec<&str> = s.split('-').collect();
        let [region, year, serial] = parts.as_slice() else {
            return Err(NumberError::CaseNumberFormat);
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(region, 6) || !digits(year, 4) || !digits(serial, 6) {
            return Err(NumberError::CaseNumberFormat);
        }
        let year = year.parse().map_err(|_| NumberError::CaseNumberFormat)?;
        let serial = serial.parse().map_err(|_| NumberError::CaseNumberFormat)?;
        CaseNumber::new(region, year, serial)
    }

    pub fn region_code(&self) -> &str {
        &self.region_code
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn serial(&self) -> u32 {
        self.serial
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:04}-{:06}",
            self.region_code, self.year, self.serial
        )
    }
}

impl TryFrom<String> for CaseNumber {
    type Error = NumberError;
    fn try_from(s: String) -> Result<Self, NumberError> {
        CaseNumber::parse(&s)
    }
}

impl From<CaseNumber> for String {
    fn from(n: CaseNumber) -> String {
        n.to_string()
    }
}

pub const QUERY_CODE_LEN: usize = 8;
/// Digits and capitals without 0/O, 1/I/L: read aloud at a window or copied from paper,
/// a code must survive the confusions people actually make.
pub const QUERY_CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The code an applicant follows a case with, without an account. 31^8 (about 8.5e11)
/// codes, and a lookup needs the case number too.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QueryCode(String);

impl QueryCode {
    /// A fresh code. The generator is a parameter so that tests are deterministic; the
    /// service passes a cryptographically secure one.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> QueryCode {
        let alphabet = QUERY_CODE_ALPHABET.as_bytes();
        let code = (0..QUERY_CODE_LEN)
            .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
            .collect();
        QueryCode(code)
    }

    /// Reads a code as an applicant types it: surrounding blanks and lower case are
    /// forgiven, other characters are not.
    pub fn parse(s: &str) -> Result<QueryCode, NumberError> {
        let code = s.trim().to_ascii_uppercase();
        if code.len() != QUERY_CODE_LEN || !code.chars().all(|c| QUERY_CODE_ALPHABET.contains(c)) {
            return Err(NumberError::QueryCodeFormat);
        }
        Ok(QueryCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares without stopping at the first difference, so response time says nothing
    /// about how much of a guess was right.
    pub fn matches(&self, given: &QueryCode) -> bool {
        let (a, b) = (self.0.as_bytes(), given.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The code is a secret of the applicant's: it never appears in logs through `Debug`.
impl fmt::Debug for QueryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueryCode(********)")
    }
}

impl TryFrom<String> for QueryCode {
    type Error = NumberError;
    fn try_from(s: String) -> Result<Self, NumberError> {
        QueryCode::parse(&s)
    }
}

impl From<QueryCode> for String {
    fn from(c: QueryCode) -> String {
        c.0
    }
}

/// Keeps `head` leading and `tail` trailing characters and stars the rest.
fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i + tail >= n { *c } else { '*' })
        .collect()
}

/// Masks an ID number: an 18-character resident ID keeps its region (6) and its last 4
/// (`140202********1234`), as public notices print them; shorter documents keep less, and
/// a very short one keeps nothing, so a mask never gives most of a number away.
pub fn mask_id_number(id: &str) -> String {
    let n = id.chars().count();
    match n {
        0 => String::new(),
        15.. => keep_ends(id, 6, 4),
        8..=14 => keep_ends(id, 2, 2),
        _ => "*".repeat(n),
    }
}

/// Masks a phone number: a mobile keeps its first 3 and last 4 (`138****5678`); a
/// landline its area code and last 4 (`0352-***4567`).
pub fn mask_phone(phone: &str) -> String {
    if let Some((area, number)) = phone.split_once('-') {
        let n = number.chars().count();
        return format!(
            "{area}-{}",
            keep_ends(number, 0, 4.min(n.saturating_sub(3)))
        );
    }
    let n = phone.chars().count();
    match n {
        0 => String::new(),
        7.. => keep_ends(phone, 3, 4),
        _ => keep_ends(phone, 0, n / 3),
    }
}

/// Masks a person's name: the family name stays (`张*`, `张**`), a single-character name
/// is starred entirely.
pub fn mask_name(name: &str) -> String {
    let n = name.chars().count();
    if n <= 1 {
        return "*".repeat(n);
    }
    keep_ends(name, 1, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn case_number_round_trips() {
        let n = CaseNumber::new("140200", 2026, 123).expect("valid");
        assert_eq!(n.to_string(), "140200-2026-000123");
        assert_eq!(CaseNumber::parse("140200-2026-000123"), Ok(n.clone()));
        assert_eq!(
            serde_json::to_string(&n).expect("json"),
            "\"140200-2026-000123\""
        );
        assert_eq!(n.region_code(), "140200");
        assert_eq!((n.year(), n.serial()), (2026, 123));
    }

    #[test]
    fn malformed_case_numbers_are_refused() {
        for bad in [
            "",
            "140200-2026-123",
            "140200-2026-0001234",
            "14020-2026-000123",
            "140200_2026_000123",
            "140200-2026-000000",
            "140200-1999-000001",
            "140200-2026-00012a",
            "140200-2026-000123-1",
            "+40200-2026-000123",
        ] {
            assert!(CaseNumber::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            CaseNumber::new("140200", 2026, MAX_SERIAL + 1),
            Err(NumberError::Serial)
        );
    }

    #[test]
    fn query_codes_are_deterministic_for_a_seed_and_unambiguous() {
        let a = QueryCode::generate(&mut StdRng::seed_from_u64(7));
        let b = QueryCode::generate(&mut StdRng::seed_from_u64(7));
        assert_eq!(a, b);
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..500 {
            let code = QueryCode::generate(&mut rng);
            assert_eq!(code.as_str().len(), QUERY_CODE_LEN);
            assert!(
                !code.as_str().contains(['0', 'O', '1', 'I', 'L']),
                "{code:?}"
            );
            assert_eq!(QueryCode::parse(code.as_str()).as_ref(), Ok(&code));
        }
    }

    #[test]
    fn query_code_parse_forgives_case_and_blanks_but_not_ambiguous_letters() {
        let code = QueryCode::parse(" ab3k9mzq ").expect("valid");
        assert_eq!(code.as_str(), "AB3K9MZQ");
        assert!(code.matches(&QueryCode::parse("AB3K9MZQ").expect("valid")));
        assert!(!code.matches(&QueryCode::parse("AB3K9MZR").expect("valid")));
        assert!(QueryCode::parse("AB3K9MZO").is_err());
        assert!(QueryCode::parse("AB3K9MZ").is_err());
        assert_eq!(format!("{code:?}"), "QueryCode(********)");
    }

    #[test]
    fn resident_ids_keep_region_and_last_four() {
        assert_eq!(mask_id_number("140202199001011234"), "140202********1234");
        assert_eq!(mask_id_number("91140200MA0K123456"), "911402********3456");
        assert_eq!(mask_id_number("E12345678"), "E1*****78");
        assert_eq!(mask_id_number("1234"), "****");
        assert_eq!(mask_id_number(""), "");
    }

    #[test]
    fn phones_keep_prefix_and_last_four() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0352-1234567"), "0352-***4567");
        assert_eq!(mask_phone("12345"), "****5");
    }

    #[test]
    fn names_keep_the_family_name() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name(""), "");
    }
}
