//! Tokens of a deployment's OpenID Connect provider. The verification itself is the kit's
//! ([`onewindow_kit::oidc`]), shared with every service, so a provider's token names the same
//! caller at the gateway and behind it.

pub use onewindow_kit::oidc::{Jwks as OidcVerifier, OidcSettings};
