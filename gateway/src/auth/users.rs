//! The built-in identity provider's users: a TOML file of accounts with argon2 password
//! hashes, or the demo accounts (one per role) when no file is configured.

use std::collections::BTreeMap;
use std::str::FromStr;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use onewindow_kit::auth::{Principal, Role};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The demo accounts, hashes only; their password is [`DEMO_PASSWORD`].
const DEMO_USERS: &str = include_str!("../../demo/users.toml");

/// The password of every demo account (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "onewindow";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserRecord {
    pub username: String,
    /// PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$...`.
    pub password_hash: String,
    #[serde(default)]
    pub name: String,
    pub roles: Vec<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Who this account stands for (shown in the demo list).
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct UsersFile {
    #[serde(default)]
    users: Vec<UserRecord>,
}

/// A demo login for the README and the login page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: String,
    pub password: &'static str,
    pub name: String,
    pub roles: Vec<Role>,
    pub department: Option<String>,
    pub region: Option<String>,
    pub note: String,
}

/// The demo logins: applicants (a citizen and an enterprise), clerks and approvers of
/// demo departments, a catalog administrator, a trading agent and a supervisor.
pub fn demo_users() -> Vec<DemoUser> {
    let Ok(file) = toml::from_str::<UsersFile>(DEMO_USERS) else {
        return Vec::new();
    };
    file.users
        .into_iter()
        .map(|u| DemoUser {
            roles: u
                .roles
                .iter()
                .filter_map(|r| Role::from_str(r).ok())
                .collect(),
            username: u.username,
            password: DEMO_PASSWORD,
            name: u.name,
            department: u.department,
            region: u.region,
            note: u.note,
        })
        .collect()
}

/// Hashes a password for a users file (argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Config(format!("cannot hash password: {e}")))
}

#[derive(Debug, Clone, Default)]
pub struct UserDirectory {
    users: BTreeMap<String, UserRecord>,
    /// A valid hash to verify against for unknown names, so that the time of a failed
    /// login does not reveal whether the name exists.
    decoy: Option<String>,
}

impl UserDirectory {
    pub fn demo() -> Result<Self, Error> {
        Self::parse(DEMO_USERS, "the demo users")
    }

    pub fn load(path: &str) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read users file {path}: {e}")))?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self, Error> {
        let file: UsersFile =
            toml::from_str(text).map_err(|e| Error::Config(format!("users file {origin}: {e}")))?;
        let mut users = BTreeMap::new();
        for u in file.users {
            PasswordHash::new(&u.password_hash).map_err(|e| {
                Error::Config(format!(
                    "{origin}: user {}: bad password_hash: {e}",
                    u.username
                ))
            })?;
            for r in &u.roles {
                Role::from_str(r)
                    .map_err(|e| Error::Config(format!("{origin}: user {}: {e}", u.username)))?;
            }
            if users.insert(u.username.clone(), u.clone()).is_some() {
                return Err(Error::Config(format!(
                    "{origin}: user {} appears twice",
                    u.username
                )));
            }
        }
        let decoy = users.values().next().map(|u| u.password_hash.clone());
        Ok(UserDirectory { users, decoy })
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The principal of a correct username and password.
    pub fn authenticate(&self, username: &str, password: &str) -> Option<Principal> {
        let Some(user) = self.users.get(username) else {
            if let Some(decoy) = &self.decoy {
                let _ = verify(decoy, "not the password");
            }
            return None;
        };
        if !verify(&user.password_hash, password) {
            return None;
        }
        let roles: Vec<Role> = user
            .roles
            .iter()
            .filter_map(|r| Role::from_str(r).ok())
            .collect();
        Some(Principal {
            subject: user.username.clone(),
            name: user.name.clone(),
            roles: if roles.is_empty() {
                vec![Role::Public]
            } else {
                roles
            },
            department: user.department.clone(),
            region: user.region.clone(),
        })
    }
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_user_signs_in_with_the_demo_password() {
        let dir = UserDirectory::demo().unwrap();
        let demo = demo_users();
        assert_eq!(demo.len(), dir.len());
        for u in &demo {
            let p = dir
                .authenticate(&u.username, u.password)
                .unwrap_or_else(|| panic!("{} does not sign in", u.username));
            assert_eq!(p.roles, u.roles);
            assert!(dir.authenticate(&u.username, "wrong").is_none());
        }
    }

    #[test]
    fn demo_users_cover_every_human_role() {
        let demo = demo_users();
        for role in [
            Role::Applicant,
            Role::Clerk,
            Role::Approver,
            Role::CatalogAdmin,
            Role::TradingAgent,
            Role::Supervisor,
        ] {
            assert!(demo.iter().any(|u| u.roles.contains(&role)), "{role}");
        }
        assert!(demo
            .iter()
            .any(|u| u.roles.contains(&Role::Clerk) && u.department.as_deref() == Some("gsj")));
    }

    #[test]
    fn a_users_file_with_an_unknown_role_is_refused() {
        let hash = hash_password("x").unwrap();
        let text = format!(
            "[[users]]\nusername = \"a\"\npassword_hash = \"{hash}\"\nroles = [\"wizard\"]\n"
        );
        assert!(UserDirectory::parse(&text, "t").is_err());
    }
}
