//! How domain enums cross the wire inside the app's data shapes: as the strings those fields held
//! when they were `String`s (a role's stored string, a library level's label, …), so every JSON body
//! stays byte for byte what it was. Used through `#[serde(with = "registrar::wire::…")]` on the
//! fields; reading takes exactly the strings writing makes. The enums' own derived serde forms are
//! left alone.

use crate::activation::AccountState;
use crate::library::AccessLevel;
use crate::roles::Role;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// A domain enum written as its stored string (`as_str()`).
pub trait Stored: Copy + 'static {
    /// Every value, to read a string back.
    const ALL: &'static [Self];

    /// The string on the wire.
    fn stored(self) -> &'static str;

    /// The value whose stored string this is, exactly.
    #[must_use]
    fn from_stored(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.stored() == text)
    }
}

impl Stored for Role {
    const ALL: &'static [Self] = &Role::ALL;

    fn stored(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for AccessLevel {
    const ALL: &'static [Self] = &AccessLevel::ALL;

    fn stored(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for AccountState {
    const ALL: &'static [Self] = &AccountState::ALL;

    fn stored(self) -> &'static str {
        self.as_str()
    }
}

fn read<'de, T, D>(deserializer: D, from: impl Fn(&str) -> Option<T>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    from(&text).ok_or_else(|| D::Error::custom(format!("unknown value '{text}'")))
}

/// `#[serde(with = "registrar::wire::stored")]`: a [`Stored`] enum as its stored string.
pub mod stored {
    use super::Stored;
    use serde::{Deserializer, Serializer};

    pub fn serialize<T: Stored, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.stored())
    }

    pub fn deserialize<'de, T: Stored, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        super::read(deserializer, T::from_stored)
    }
}

/// `#[serde(default, with = "registrar::wire::level_label_opt")]`: an optional library level as its label
/// ("Read only", "Author", "Admin"), `null` when there is none.
pub mod level_label_opt {
    use super::AccessLevel;
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)] // serde's `with` hands over `&Option<T>`.
    pub fn serialize<S: Serializer>(value: &Option<AccessLevel>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(level) => serializer.serialize_some(level.label()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<AccessLevel>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => {
                AccessLevel::ALL.into_iter().find(|l| l.label() == text).map(Some).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(format!("unknown library level '{text}'"))
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(with = "stored")]
        role: Role,
        #[serde(with = "stored")]
        level: AccessLevel,
        #[serde(with = "stored")]
        state: AccountState,
        #[serde(default, with = "level_label_opt")]
        mine: Option<AccessLevel>,
    }

    #[test]
    fn enums_keep_their_old_strings() -> Result<(), serde_json::Error> {
        let probe = Probe {
            role: Role::GroupModerator,
            level: AccessLevel::Read,
            state: AccountState::Deactivated,
            mine: Some(AccessLevel::Read),
        };
        let json = serde_json::to_string(&probe)?;
        assert_eq!(
            json,
            r#"{"role":"Group Moderator","level":"read","state":"deactivated","mine":"Read only"}"#
        );
        assert_eq!(serde_json::from_str::<Probe>(&json)?, probe);
        let none = serde_json::to_string(&Probe { mine: None, ..probe })?;
        assert!(none.ends_with(r#""mine":null}"#), "{none}");
        assert!(serde_json::from_str::<Probe>(r#"{"role":"beta","level":"read","state":"new"}"#).is_err());
        Ok(())
    }
}
