//! Subprotocol validation (RFC 6455 §4.1 and RFC 7230 `token`, the rule in `rules.rs`):
//! pure, tested natively.

use crate::rules::refusal;
use crate::Error;

/// Checks that each subprotocol is a non-empty RFC 7230 token and none is offered twice, as the
/// browser would (it throws `SyntaxError`), but with an error that names the culprit.
pub(crate) fn validate_protocols(protocols: &[String]) -> Result<(), Error> {
    for (i, p) in protocols.iter().enumerate() {
        let bytes = p.bytes().map(u32::from);
        if let Some(refusal) = refusal(bytes, protocols[..i].contains(p)) {
            return Err(Error::InvalidProtocol {
                protocol: p.clone(),
                reason: refusal.reason().into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Result<(), Error> {
        validate_protocols(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn tokens() {
        assert_eq!(v(&[]), Ok(()));
        assert_eq!(v(&["chat.v2", "chat.v1", "x-y_z~!#$%&'*+^`|"]), Ok(()));
        for bad in ["", "a b", "a,b", "é", "a/b", "tab\t"] {
            assert!(
                matches!(v(&[bad]), Err(Error::InvalidProtocol { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            v(&["a", "a"]),
            Err(Error::InvalidProtocol {
                protocol: "a".into(),
                reason: "offered twice".into()
            })
        );
    }
}
