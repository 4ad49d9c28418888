//! Accounts as the UI sees them: who is signed in, their workspaces and roles, members, API
//! keys and the model catalog's prices. Validation of what Settings sends lives here.

use serde::{Deserialize, Serialize};

use super::WorkspaceInfo;

/// What a member may do in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything of the workspace, changes nothing.
    Viewer,
    /// Also manages members, keys, rules, channels, retention and prices.
    Admin,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// One workspace of the signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub workspace: WorkspaceInfo,
    pub role: Role,
}

/// The signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: i64,
    pub email: String,
    /// May create workspaces.
    pub is_admin: bool,
    /// Oldest workspace first; the first is the default when a URL names none.
    pub memberships: Vec<Membership>,
}

impl Viewer {
    /// The membership a URL's `ws` asks for, or the default one when it names none.
    pub fn membership(&self, ws: Option<i64>) -> Option<&Membership> {
        match ws {
            Some(id) => self
                .memberships
                .iter()
                .find(|membership| membership.workspace.id == id),
            None => self.memberships.first(),
        }
    }
}

/// A member as Settings lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
}

/// An API key as Settings lists it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at_ms: i64,
    pub last_used_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// A key just created: the secret is shown once, here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub info: ApiKeyInfo,
    pub secret: String,
}

/// A key just created, with this server's address as the browser reached it: what the
/// "Connect an app" snippets are filled with (`connect::snippets`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyToConnect {
    #[serde(flatten)]
    pub key: CreatedKey,
    /// `http(s)://host[:port]`, checked by `connect::base_url`.
    pub base_url: String,
}

/// What adding a member did: a new account comes with a password shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedMember {
    pub member: Member,
    pub new_password: Option<String>,
}

/// The prices of one model, in USD; `None`: unknown (the cost of calls using it is unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub input_per_mtok: Option<f64>,
    pub cached_input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
    pub per_image: Option<f64>,
    pub per_video_second: Option<f64>,
    pub per_audio_second: Option<f64>,
    pub per_mchar: Option<f64>,
}

/// The price fields: (form field, label).
pub const PRICE_FIELDS: [(&str, &str); 7] = [
    ("input_per_mtok", "Input / 1M tokens"),
    ("cached_input_per_mtok", "Cached input / 1M tokens"),
    ("output_per_mtok", "Output / 1M tokens"),
    ("per_image", "Per image"),
    ("per_video_second", "Per video second"),
    ("per_audio_second", "Per audio second"),
    ("per_mchar", "Per 1M characters"),
];

impl Prices {
    /// True when no price at all is known.
    pub fn is_unknown(&self) -> bool {
        *self == Prices::default()
    }

    /// Checks prices as the server receives them: each known price from 0 to 1,000,000.
    pub fn check(&self) -> Result<(), String> {
        for (name, _) in PRICE_FIELDS {
            if let Some(value) = self.get(name) {
                if !value.is_finite() || !(0.0..=1_000_000.0).contains(&value) {
                    return Err(format!("{name}: a price from 0 to 1,000,000 USD, or empty"));
                }
            }
        }
        Ok(())
    }

    /// The price of field `name` (one of [`PRICE_FIELDS`]).
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "input_per_mtok" => self.input_per_mtok,
            "cached_input_per_mtok" => self.cached_input_per_mtok,
            "output_per_mtok" => self.output_per_mtok,
            "per_image" => self.per_image,
            "per_video_second" => self.per_video_second,
            "per_audio_second" => self.per_audio_second,
            "per_mchar" => self.per_mchar,
            _ => None,
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<f64>> {
        Some(match name {
            "input_per_mtok" => &mut self.input_per_mtok,
            "cached_input_per_mtok" => &mut self.cached_input_per_mtok,
            "output_per_mtok" => &mut self.output_per_mtok,
            "per_image" => &mut self.per_image,
            "per_video_second" => &mut self.per_video_second,
            "per_audio_second" => &mut self.per_audio_second,
            "per_mchar" => &mut self.per_mchar,
            _ => return None,
        })
    }

    /// Reads prices from form fields (`name`, text): empty means unknown; anything else must
    /// be a number from 0 to 1,000,000. Errors name the field.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut prices = Prices::default();
        for (name, text) in fields {
            let Some(slot) = prices.slot(name) else {
                return Err(format!("{name}: not a price field"));
            };
            let text = text.trim();
            if text.is_empty() {
                *slot = None;
                continue;
            }
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() && (0.0..=1_000_000.0).contains(&value) => {
                    *slot = Some(value)
                }
                _ => return Err(format!("{name}: a price from 0 to 1,000,000 USD, or empty")),
            }
        }
        Ok(prices)
    }
}

/// A model of the catalog with its prices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogModel {
    pub id: i64,
    pub name: String,
    pub kind: super::ModelKind,
    /// The workspace's own prices; when any is set, they are the ones billed.
    pub prices: Prices,
    /// The list price a price catalog has for this model, billed when the workspace set none.
    pub catalog: Option<CatalogPrice>,
}

/// A price catalog's entry for a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogPrice {
    /// `built-in` or `imported`.
    pub origin: String,
    /// The entry's name, which the model's name matched (`gpt-4o` for `gpt-4o-2024-08-06`).
    pub entry: String,
    /// When the price was published or last changed.
    pub as_of: String,
    pub source: String,
    pub prices: Prices,
}

/// Everything the Settings page shows of one workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsOverview {
    pub workspace: WorkspaceInfo,
    /// The signed-in user's role here.
    pub role: Role,
    pub members: Vec<Member>,
    pub keys: Vec<ApiKeyInfo>,
    pub models: Vec<CatalogModel>,
}

/// Checks an e-mail address as accounts use it (trimmed, lower-cased by the caller).
pub fn validate_email(email: &str) -> Result<(), String> {
    let valid = email.len() >= 3
        && email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err("email: an address like name@example.com".to_owned())
    }
}

/// Checks a workspace or key name: 1 to 64 characters.
pub fn validate_name(field: &str, name: &str) -> Result<(), String> {
    let length = name.trim().chars().count();
    if (1..=64).contains(&length) {
        Ok(())
    } else {
        Err(format!("{field}: 1 to 64 characters"))
    }
}

/// Shortest password a user may set.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted anywhere (argon2's work grows with it): longer ones are refused
/// before any check.
pub const MAX_PASSWORD_BYTES: usize = 1_024;

/// Checks a password a user is about to get (a new account's, a changed one): the same rule
/// for the command line, Settings and a reset.
pub fn validate_new_password(field: &str, password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(format!("{field}: at least {MIN_PASSWORD_CHARS} characters"))
    } else if password.len() > MAX_PASSWORD_BYTES {
        Err(format!("{field}: at most {MAX_PASSWORD_BYTES} bytes"))
    } else {
        Ok(())
    }
}

/// A member's password as an admin reset it: shown once, to be passed on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPassword {
    pub user_id: i64,
    pub email: String,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_may_do_what_viewers_may_and_not_the_reverse() {
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Admin.allows(Role::Admin));
        assert!(Role::Viewer.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Admin));
    }

    #[test]
    fn prices_come_from_fields_with_empty_as_unknown() {
        let prices =
            Prices::from_fields([("input_per_mtok", "0.8"), ("per_image", " ")]).expect("valid");
        assert_eq!(prices.input_per_mtok, Some(0.8));
        assert_eq!(prices.per_image, None);
        for bad in ["-1", "abc", "NaN", "2000000"] {
            let error = Prices::from_fields([("output_per_mtok", bad)]).expect_err(bad);
            assert!(error.starts_with("output_per_mtok"), "{error}");
        }
        assert!(Prices::from_fields([("bogus", "1")]).is_err());
    }

    #[test]
    fn emails_and_names_are_checked() {
        assert!(validate_email("a@b.c").is_ok());
        for bad in ["", "ab", "no-at-sign", "@x.y", "a@", "a b@c.d"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        assert!(validate_name("name", "Prod").is_ok());
        assert!(validate_name("name", "  ").is_err());
        assert!(validate_name("name", &"x".repeat(65)).is_err());
    }

    #[test]
    fn new_passwords_are_ten_characters_to_a_kilobyte() {
        assert_eq!(
            validate_new_password("new_password", "123456789"),
            Err("new_password: at least 10 characters".to_owned())
        );
        assert_eq!(validate_new_password("password", "1234567890"), Ok(()));
        assert_eq!(
            validate_new_password("password", "密码密码密码密码密码"),
            Ok(())
        );
        assert_eq!(
            validate_new_password("password", &"x".repeat(1_024)),
            Ok(())
        );
        assert_eq!(
            validate_new_password("password", &"x".repeat(1_025)),
            Err("password: at most 1024 bytes".to_owned())
        );
    }
}
