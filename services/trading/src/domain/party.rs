//! Organizations that take part: owners, agencies, bidders, suppliers, objectors.

use onewindow_kit::codes::{credit_char_value, credit_check_char};
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

/// Longest name (the party's, its contact person's) and address, in characters.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_ADDRESS_CHARS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub credit_code: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub address: String,
}

impl Party {
    /// Checks the fields; bidders and objectors must also give a contact.
    pub fn validate(&self, prefix: &str, contact_required: bool) -> Violations {
        let mut v = Violations::new();
        v.check(
            self.name.trim().is_empty(),
            format!("{prefix}.name"),
            "must not be empty",
        );
        v.check_chars(&self.name, MAX_NAME_CHARS, format!("{prefix}.name"));
        if let Err(e) = check_credit_code(&self.credit_code) {
            v.add(format!("{prefix}.credit_code"), e);
        }
        if contact_required {
            v.check(
                self.contact_name.trim().is_empty(),
                format!("{prefix}.contact_name"),
                "must not be empty",
            );
            v.check(
                self.contact_phone.trim().is_empty(),
                format!("{prefix}.contact_phone"),
                "must not be empty",
            );
        }
        v.check_chars(
            &self.contact_name,
            MAX_NAME_CHARS,
            format!("{prefix}.contact_name"),
        );
        v.check_chars(
            &self.address,
            MAX_ADDRESS_CHARS,
            format!("{prefix}.address"),
        );
        let phone_ok = self.contact_phone.len() <= 20
            && self
                .contact_phone
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ');
        v.check(
            !phone_ok,
            format!("{prefix}.contact_phone"),
            "must be a telephone number",
        );
        v
    }

    /// The party as the public sees it: contact person and phone masked.
    pub fn masked(&self) -> Party {
        Party {
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            contact_name: mask_name(&self.contact_name),
            contact_phone: mask_phone(&self.contact_phone),
            address: self.address.clone(),
        }
    }
}

fn check_credit_code(code: &str) -> Result<(), String> {
    if code.chars().count() != 18 {
        return Err("must be an 18-character unified social credit code".into());
    }
    if let Some(c) = code.chars().find(|c| credit_char_value(*c).is_none()) {
        return Err(format!("{c:?} may not appear in a credit code"));
    }
    let (first17, last) = code.split_at(code.len() - 1);
    match credit_check_char(first17) {
        Some(check) if last.starts_with(check) => Ok(()),
        _ => Err("has a wrong check character".into()),
    }
}

/// Completes the first 17 characters of a credit code with its check character (demo data
/// and tests build codes this way); a character outside the code's alphabet becomes `0`.
pub fn credit_code(first17: &str) -> String {
    let clean: String = first17
        .chars()
        .take(17)
        .map(|c| {
            if credit_char_value(c).is_some() {
                c
            } else {
                '0'
            }
        })
        .collect();
    let check = credit_check_char(&clean).unwrap_or('0');
    format!("{clean}{check}")
}

fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep_tail = 4;
    let keep_head = (chars.len() - keep_tail).min(3);
    let mut out: String = chars[..keep_head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_head - keep_tail));
    out.extend(&chars[chars.len() - keep_tail..]);
    out
}

fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_credit_codes_pass_the_check() {
        let code = credit_code("91140200MA0K12345");
        assert_eq!(code.len(), 18);
        assert!(check_credit_code(&code).is_ok());
        let mut wrong = code.clone();
        wrong.pop();
        wrong.push(if code.ends_with('0') { '1' } else { '0' });
        assert!(check_credit_code(&wrong).is_err());
    }

    #[test]
    fn a_known_code_verifies() {
        // 大同市人民政府办公室's pattern: 11 + region + organization code.
        assert!(check_credit_code(&credit_code("11140200012345678")).is_ok());
    }

    #[test]
    fn masking_hides_the_middle_of_a_phone_and_the_given_name() {
        let p = Party {
            name: "大同市某公司".into(),
            credit_code: credit_code("91140200MA0K12345"),
            contact_name: "王建国".into(),
            contact_phone: "13812345678".into(),
            address: String::new(),
        };
        let m = p.masked();
        assert_eq!(m.contact_phone, "138****5678");
        assert_eq!(m.contact_name, "王**");
    }

    #[test]
    fn bidders_must_give_a_contact() {
        let p = Party {
            name: "x".into(),
            credit_code: credit_code("91140200MA0K12345"),
            ..Default::default()
        };
        assert!(p.validate("bidder", false).is_empty());
        let v = p.validate("bidder", true);
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["bidder.contact_name", "bidder.contact_phone"]);
    }

    #[test]
    fn a_partys_names_and_address_are_bounded() {
        let p = Party {
            name: "公".repeat(MAX_NAME_CHARS),
            credit_code: credit_code("91140200MA0K12345"),
            contact_name: "王".repeat(MAX_NAME_CHARS + 1),
            contact_phone: "13812345678".into(),
            address: "街".repeat(MAX_ADDRESS_CHARS + 1),
        };
        let v = p.validate("owner", true);
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["owner.contact_name", "owner.address"]);
    }
}
