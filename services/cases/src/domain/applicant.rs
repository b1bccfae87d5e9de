//! Who applies: a person or an enterprise, with the identity and contact data the center
//! must protect. Validation catches typing errors at the window (check characters), and
//! [`Applicant::masked`] is what every list and public view shows.

use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::number::{mask_id_number, mask_name, mask_phone};

const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Enterprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证: 17 digits and a check character (GB 11643).
    ResidentIdCard,
    Passport,
    HongKongMacaoPermit,
    TaiwanPermit,
    ForeignPermanentResident,
    /// 统一社会信用代码 (GB 32100): the only identity of an enterprise.
    UnifiedSocialCreditCode,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: String,
}

impl Applicant {
    /// Every problem at once, with field paths relative to the applicant (`id_number`).
    pub fn validate(&self) -> Violations {
        let mut v = Violations::new();
        let at = |f: &str| f.to_string();
        let name = self.name.trim();
        v.check(name.is_empty(), at("name"), "must not be empty");
        v.check(
            name.chars().count() > MAX_NAME_CHARS,
            at("name"),
            format!("must be at most {MAX_NAME_CHARS} characters"),
        );
        match (self.kind, self.id_type) {
            (ApplicantKind::Enterprise, IdType::UnifiedSocialCreditCode) => {}
            (ApplicantKind::Enterprise, _) => v.add(
                at("id_type"),
                "an enterprise is identified by its unified social credit code",
            ),
            (ApplicantKind::Person, IdType::UnifiedSocialCreditCode) => v.add(
                at("id_type"),
                "a person is identified by a personal document",
            ),
            (ApplicantKind::Person, _) => {}
        }
        let id = self.id_number.as_str();
        let problem = match self.id_type {
            IdType::ResidentIdCard => resident_id_problem(id),
            IdType::UnifiedSocialCreditCode => credit_code_problem(id),
            _ => other_document_problem(id),
        };
        if let Some(problem) = problem {
            v.add(at("id_number"), problem);
        }
        if let Some(problem) = phone_problem(&self.phone) {
            v.add(at("phone"), problem);
        }
        v
    }

    /// What lists and public views show: a person's name, every ID number and phone
    /// masked. An enterprise's registered name is public (企业信用信息公示) and stays.
    pub fn masked(&self) -> Applicant {
        Applicant {
            kind: self.kind,
            name: match self.kind {
                ApplicantKind::Person => mask_name(&self.name),
                ApplicantKind::Enterprise => self.name.clone(),
            },
            id_type: self.id_type,
            id_number: mask_id_number(&self.id_number),
            phone: mask_phone(&self.phone),
        }
    }
}

const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character of a resident ID's first 17 digits, or `None` when they are not
/// 17 digits.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(RESIDENT_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    RESIDENT_CHECK.get((sum % 11) as usize).copied()
}

fn resident_id_problem(id: &str) -> Option<String> {
    if id.len() != 18 || !id.is_ascii() {
        return Some("a resident ID number has 18 characters".into());
    }
    let (first17, check) = id.split_at(17);
    match resident_id_check_char(first17) {
        None => Some("the first 17 characters of a resident ID number are digits".into()),
        Some(expected) if !check.eq_ignore_ascii_case(&expected.to_string()) => {
            Some("the check character does not match: please check the number".into())
        }
        Some(_) => None,
    }
}

/// The GB 32100 check character of a credit code's first 17 characters.
pub use onewindow_kit::codes::credit_check_char as credit_code_check_char;
use onewindow_kit::codes::{credit_char_value, CREDIT_CHARSET};

fn credit_code_problem(code: &str) -> Option<String> {
    if code.chars().count() != 18 || code.chars().any(|c| credit_char_value(c).is_none()) {
        return Some(format!(
            "a unified social credit code has 18 characters of {CREDIT_CHARSET}"
        ));
    }
    let first17: String = code.chars().take(17).collect();
    (credit_code_check_char(&first17) != code.chars().nth(17))
        .then(|| "the check character does not match: please check the code".to_string())
}

fn other_document_problem(id: &str) -> Option<String> {
    let ok =
        (5..=30).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (!ok).then(|| "must be 5 to 30 letters, digits or hyphens".to_string())
}

fn phone_problem(phone: &str) -> Option<String> {
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    let shape = phone.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && !phone.starts_with('-')
        && !phone.ends_with('-')
        && !phone.contains("--")
        && phone.matches('-').count() <= 2;
    let mobile = phone.len() == 11 && phone.starts_with('1') && digits == 11;
    (!(shape && (mobile || (7..=15).contains(&digits))))
        .then(|| "must be a mobile (11 digits) or landline number such as 0352-1234567".into())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{enterprise, person};
    use super::*;

    #[test]
    fn fixtures_are_valid_applicants() {
        assert!(person().validate().is_empty());
        assert!(enterprise().validate().is_empty());
    }

    #[test]
    fn a_mistyped_resident_id_is_caught_by_its_check_character() {
        let mut a = person();
        let last = if a.id_number.ends_with('0') { '1' } else { '0' };
        a.id_number.pop();
        a.id_number.push(last);
        let v = a.validate();
        assert_eq!(v.as_slice().len(), 1);
        assert_eq!(v.as_slice()[0].field, "id_number");
    }

    #[test]
    fn a_lowercase_x_check_character_is_accepted() {
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        let mut a = person();
        a.id_number = "11010519491231002x".into();
        assert!(a.validate().is_empty());
    }

    #[test]
    fn an_enterprise_needs_a_valid_credit_code() {
        let mut a = enterprise();
        a.id_type = IdType::ResidentIdCard;
        assert!(!a.validate().is_empty());
        let mut a = enterprise();
        // The fixture's check character is 4.
        a.id_number.replace_range(17..18, "5");
        assert!(!a.validate().is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let a = Applicant {
            kind: ApplicantKind::Person,
            name: " ".into(),
            id_type: IdType::UnifiedSocialCreditCode,
            id_number: "x".into(),
            phone: "call me".into(),
        };
        let fields: Vec<String> = a
            .validate()
            .as_slice()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        for f in ["name", "id_type", "id_number", "phone"] {
            assert!(fields.contains(&f.to_string()), "{fields:?}");
        }
    }

    #[test]
    fn phones_of_both_kinds_are_accepted() {
        for ok in ["13812345678", "0352-1234567", "03521234567"] {
            assert_eq!(phone_problem(ok), None, "{ok}");
        }
        for bad in ["", "138123", "-0352-1234567", "0352--123", "phone"] {
            assert!(phone_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn masking_hides_a_person_but_not_an_enterprise_name() {
        let p = person().masked();
        assert_eq!(p.name, "张*");
        assert!(p.id_number.contains("********"));
        assert!(p.phone.contains("****"));
        let e = enterprise();
        assert_eq!(e.masked().name, e.name);
        assert_ne!(e.masked().id_number, e.id_number);
    }
}
