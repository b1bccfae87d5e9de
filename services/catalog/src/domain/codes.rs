//! The national code formats the catalog is keyed by. Each is a newtype that can only be
//! built by parsing, so a value in hand is always well-formed ("parse, don't validate").

use std::fmt;

use serde::{Deserialize, Serialize};

use super::item::ItemType;

/// Why a string is not a valid code; the field it came from is named by the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("must be {expected} characters long, not {actual}")]
    Length { expected: usize, actual: usize },
    #[error("must be {min} to {max} characters long, not {actual}")]
    LengthRange {
        min: usize,
        max: usize,
        actual: usize,
    },
    #[error("character {ch:?} at position {position} is not allowed")]
    Character { ch: char, position: usize },
    #[error("province code {0} is not in GB/T 2260")]
    Province(String),
    #[error("check character must be {expected}, not {actual}")]
    CheckCharacter { expected: char, actual: char },
    #[error("type code {0} is not an item type code")]
    TypeCode(String),
    #[error("{part} part: {source}")]
    Part {
        part: &'static str,
        source: Box<CodeError>,
    },
}

/// Checks the length in characters (not bytes: a stray Chinese character counts as one).
fn exact_length(s: &str, expected: usize) -> Result<(), CodeError> {
    let actual = s.chars().count();
    if actual == expected {
        Ok(())
    } else {
        Err(CodeError::Length { expected, actual })
    }
}

fn all_digits(s: &str) -> Result<(), CodeError> {
    match s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, ch)) => Err(CodeError::Character {
            ch,
            position: i + 1,
        }),
        None => Ok(()),
    }
}

/// Implements the serde and string conversions shared by every code newtype.
macro_rules! code_conversions {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(s: String) -> Result<Self, CodeError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }
    };
}

/// The two-digit province codes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// An administrative division (行政区划), six digits of GB/T 2260: 140200 is Datong city.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        exact_length(s, 6)?;
        all_digits(s)?;
        let province = &s[..2];
        if !PROVINCES.contains(&province) {
            return Err(CodeError::Province(province.to_string()));
        }
        Ok(Self(s.to_string()))
    }

    /// Whether `other` lies within this division (a city contains its districts).
    pub fn contains(&self, other: &RegionCode) -> bool {
        let significant = self.0.trim_end_matches("00");
        other.0.starts_with(significant)
    }
}
code_conversions!(RegionCode);

use onewindow_kit::codes::{credit_char_value, credit_check_char};

/// Names the first character outside the GB 32100 charset.
fn check_credit_chars(s: &str) -> Result<(), CodeError> {
    for (i, ch) in s.chars().enumerate() {
        if credit_char_value(ch).is_none() {
            return Err(CodeError::Character {
                ch,
                position: i + 1,
            });
        }
    }
    Ok(())
}

/// A unified social credit code (统一社会信用代码, GB 32100): 18 characters, the last a check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        exact_length(s, 18)?;
        check_credit_chars(s)?;
        let first17: String = s.chars().take(17).collect();
        let expected = credit_check_char(&first17).unwrap_or(' ');
        let actual = s.chars().last().unwrap_or(' ');
        if expected != actual {
            return Err(CodeError::CheckCharacter { expected, actual });
        }
        Ok(Self(s.to_string()))
    }

    /// Completes 17 characters with their check character, for demo data and tests.
    pub fn with_check_char(first17: &str) -> Result<Self, CodeError> {
        exact_length(first17, 17)?;
        check_credit_chars(first17)?;
        let mut code = first17.to_string();
        code.push(credit_check_char(first17).unwrap_or(' '));
        Ok(Self(code))
    }
}
code_conversions!(CreditCode);

/// A basic code (基本编码), 12 digits: item type (2), main item (4), sub item (3), handling
/// item (3). The same basic code names the same power in every region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BasicCode(String);

impl BasicCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        exact_length(s, 12)?;
        all_digits(s)?;
        if ItemType::from_basic_code_type(&s[..2]).is_none() {
            return Err(CodeError::TypeCode(s[..2].to_string()));
        }
        Ok(Self(s.to_string()))
    }

    /// The two-digit type code (`01` licence ... `20` public service).
    pub fn type_code(&self) -> &str {
        &self.0[..2]
    }

    /// The item type the type code stands for.
    pub fn item_type(&self) -> Option<ItemType> {
        ItemType::from_basic_code_type(self.type_code())
    }
}
code_conversions!(BasicCode);

/// An item's implementation code (实施编码): the holding department's credit code followed
/// by the item's basic code, 30 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemId(String);

impl ItemId {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        exact_length(s, 30)?;
        // Length 30 in characters; a multi-byte character would have failed the parts below,
        // but slicing by bytes needs ASCII first.
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
            return Err(CodeError::Character {
                ch,
                position: i + 1,
            });
        }
        CreditCode::parse(&s[..18]).map_err(|e| CodeError::Part {
            part: "credit code",
            source: Box::new(e),
        })?;
        BasicCode::parse(&s[18..]).map_err(|e| CodeError::Part {
            part: "basic code",
            source: Box::new(e),
        })?;
        Ok(Self(s.to_string()))
    }

    pub fn new(credit_code: &CreditCode, basic_code: &BasicCode) -> Self {
        Self(format!("{credit_code}{basic_code}"))
    }

    pub fn credit_code(&self) -> CreditCode {
        CreditCode(self.0[..18].to_string())
    }

    pub fn basic_code(&self) -> BasicCode {
        BasicCode(self.0[18..].to_string())
    }
}
code_conversions!(ItemId);

/// A department's short stable code, e.g. `scjgj`: lowercase ascii letters, digits and `-`,
/// 2 to 32 characters, so that it is safe in URLs and file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DepartmentId(String);

impl DepartmentId {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let actual = s.chars().count();
        if !(2..=32).contains(&actual) {
            return Err(CodeError::LengthRange {
                min: 2,
                max: 32,
                actual,
            });
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !allowed(*c)) {
            return Err(CodeError::Character {
                ch,
                position: i + 1,
            });
        }
        Ok(Self(s.to_string()))
    }
}
code_conversions!(DepartmentId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_code_accepts_datong() {
        let code = RegionCode::parse("140200").unwrap();
        assert_eq!(code.as_str(), "140200");
    }

    #[test]
    fn region_code_must_be_six_digits() {
        assert_eq!(
            RegionCode::parse("14020"),
            Err(CodeError::Length {
                expected: 6,
                actual: 5
            })
        );
        assert_eq!(
            RegionCode::parse("14020a"),
            Err(CodeError::Character {
                ch: 'a',
                position: 6
            })
        );
        assert!(RegionCode::parse("1402000").is_err());
        assert!(RegionCode::parse("").is_err());
    }

    #[test]
    fn region_code_rejects_unknown_province() {
        assert_eq!(
            RegionCode::parse("990200"),
            Err(CodeError::Province("99".into()))
        );
        assert!(RegionCode::parse("000000").is_err());
    }

    #[test]
    fn city_region_contains_its_districts_but_not_other_cities() {
        let datong = RegionCode::parse("140200").unwrap();
        assert!(datong.contains(&RegionCode::parse("140213").unwrap()));
        assert!(datong.contains(&datong));
        assert!(!datong.contains(&RegionCode::parse("140300").unwrap()));
        let shanxi = RegionCode::parse("140000").unwrap();
        assert!(shanxi.contains(&datong));
        assert!(!datong.contains(&shanxi));
    }

    #[test]
    fn credit_code_check_char_is_verified() {
        // A code published on a real business licence.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CodeError::CheckCharacter {
                expected: '3',
                actual: '4'
            })
        );
    }

    #[test]
    fn credit_code_with_check_char_builds_a_code_that_parses() {
        let built = CreditCode::with_check_char("11140200MB0000001").unwrap();
        assert_eq!(built.as_str().len(), 18);
        assert_eq!(CreditCode::parse(built.as_str()), Ok(built));
        let real = CreditCode::with_check_char("91350100M000100Y4").unwrap();
        assert_eq!(real.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn credit_code_rejects_letters_outside_the_charset() {
        // I, O, S, V and Z are left out of GB 32100 to avoid confusion with digits.
        for bad in ['I', 'O', 'S', 'V', 'Z', 'a'] {
            let code = format!("91350100M00010{bad}Y4");
            assert_eq!(
                CreditCode::with_check_char(&code),
                Err(CodeError::Character {
                    ch: bad,
                    position: 15
                })
            );
        }
    }

    #[test]
    fn credit_code_must_be_eighteen_characters() {
        assert!(matches!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CodeError::Length {
                expected: 18,
                actual: 17
            })
        ));
        assert!(CreditCode::with_check_char("9135").is_err());
    }

    #[test]
    fn credit_code_check_can_be_zero() {
        // The check formula maps a sum divisible by 31 to '0', not to a 32nd character.
        let codes = (0..200)
            .filter_map(|n| CreditCode::with_check_char(&format!("1114020000000{n:04}")).ok());
        let zero = codes
            .into_iter()
            .find(|c| c.as_str().ends_with('0'))
            .unwrap();
        assert!(CreditCode::parse(zero.as_str()).is_ok());
    }

    #[test]
    fn basic_code_knows_its_item_type() {
        let code = BasicCode::parse("010172001000").unwrap();
        assert_eq!(code.type_code(), "01");
        assert_eq!(code.item_type(), Some(ItemType::License));
        let service = BasicCode::parse("200001001000").unwrap();
        assert_eq!(service.item_type(), Some(ItemType::PublicService));
    }

    #[test]
    fn basic_code_rejects_unknown_type_and_bad_format() {
        assert_eq!(
            BasicCode::parse("110172001000"),
            Err(CodeError::TypeCode("11".into()))
        );
        assert!(BasicCode::parse("000172001000").is_err());
        assert!(BasicCode::parse("01017200100").is_err());
        assert!(BasicCode::parse("01017200100x").is_err());
    }

    #[test]
    fn item_id_is_credit_code_then_basic_code() {
        let credit = CreditCode::with_check_char("11140200MB0000001").unwrap();
        let basic = BasicCode::parse("010172001000").unwrap();
        let id = ItemId::new(&credit, &basic);
        assert_eq!(id.as_str().len(), 30);
        let parsed = ItemId::parse(id.as_str()).unwrap();
        assert_eq!(parsed.credit_code(), credit);
        assert_eq!(parsed.basic_code(), basic);
    }

    #[test]
    fn item_id_names_the_bad_part() {
        let err = ItemId::parse("11140200MB00000010010172001000").unwrap_err();
        assert!(matches!(
            err,
            CodeError::Part {
                part: "credit code",
                ..
            }
        ));
        let credit = CreditCode::with_check_char("11140200MB0000001").unwrap();
        let err = ItemId::parse(&format!("{credit}990172001000")).unwrap_err();
        assert!(err.to_string().starts_with("basic code part"));
        assert!(ItemId::parse("short").is_err());
        // 30 characters, one of them not ascii: refused without slicing inside it.
        let odd = format!("{credit}01017200100事");
        assert!(matches!(
            ItemId::parse(&odd),
            Err(CodeError::Character { ch: '事', .. })
        ));
    }

    #[test]
    fn department_id_allows_lowercase_digits_and_hyphen() {
        assert!(DepartmentId::parse("scjgj").is_ok());
        assert!(DepartmentId::parse("zjj-2").is_ok());
        assert!(DepartmentId::parse("s").is_err());
        assert!(DepartmentId::parse(&"a".repeat(33)).is_err());
        assert!(DepartmentId::parse(&"a".repeat(32)).is_ok());
        assert_eq!(
            DepartmentId::parse("ScJ"),
            Err(CodeError::Character {
                ch: 'S',
                position: 1
            })
        );
        assert!(DepartmentId::parse("sc jg").is_err());
        assert!(DepartmentId::parse("工商局").is_err());
    }

    #[test]
    fn codes_serialize_as_plain_strings_and_parse_on_the_way_in() {
        let code = RegionCode::parse("140200").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"140200\"");
        let back: RegionCode = serde_json::from_str(&json).unwrap();
        assert_eq!(back, code);
        assert!(serde_json::from_str::<RegionCode>("\"999999\"").is_err());
    }
}
