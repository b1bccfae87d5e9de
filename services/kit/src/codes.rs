//! National code checks that more than one service needs.

/// The 31 characters of a unified social credit code (GB 32100); a character's value is its
/// index.
pub const CREDIT_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The value of one credit-code character, if it belongs to the charset.
pub fn credit_char_value(ch: char) -> Option<u32> {
    CREDIT_CHARSET
        .chars()
        .position(|c| c == ch)
        .and_then(|i| u32::try_from(i).ok())
}

/// The GB 32100 check character of a credit code's first 17 characters; `None` unless they
/// are exactly 17 characters of the charset.
pub fn credit_check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17
        .chars()
        .map(credit_char_value)
        .collect::<Option<_>>()?;
    if values.len() != 17 {
        return None;
    }
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = usize::try_from((31 - sum % 31) % 31).ok()?;
    CREDIT_CHARSET.chars().nth(check)
}

/// Whether `s` is an administrative division code (GB/T 2260): six digits.
pub fn is_region_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_code_is_six_digits() {
        assert!(is_region_code("140200"));
        for bad in ["", "14020", "1402000", "14020a", "一四〇二〇〇"] {
            assert!(!is_region_code(bad), "{bad}");
        }
    }

    #[test]
    fn check_character_of_a_published_credit_code() {
        // 91350100M000100Y43 is the standard's worked example.
        assert_eq!(credit_check_char("91350100M000100Y4"), Some('3'));
    }

    #[test]
    fn wrong_length_or_characters_have_no_check_character() {
        assert_eq!(credit_check_char("9135"), None);
        assert_eq!(credit_check_char("91350100M000100YI"), None);
    }
}
