//! The contracts of OneWindow: generated messages, clients and servers, and the encoded
//! descriptor set that reflection and the gateway's transcoder read.

pub mod compat;

pub use prost;
pub use prost_types;
pub use tonic;

/// The encoded `FileDescriptorSet` of every contract, custom options (`google.api.http`) kept.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));

pub mod google {
    pub mod api {
        tonic::include_proto!("google.api");
    }
}

/// Generated code refers across packages by relative paths, so the modules mirror the
/// package names.
pub mod onewindow {
    pub mod common {
        pub mod v1 {
            tonic::include_proto!("onewindow.common.v1");
        }
    }
    pub mod catalog {
        pub mod v1 {
            tonic::include_proto!("onewindow.catalog.v1");
        }
    }
    pub mod trading {
        pub mod v1 {
            tonic::include_proto!("onewindow.trading.v1");
        }
    }
    pub mod cases {
        pub mod v1 {
            tonic::include_proto!("onewindow.cases.v1");
        }
    }
    pub mod supervision {
        pub mod v1 {
            tonic::include_proto!("onewindow.supervision.v1");
        }
    }
}

pub use onewindow::{cases, catalog, common, supervision, trading};

/// The contracts as a reflection pool: the proto3 JSON mapping, the gateway's transcoding.
pub fn descriptor_pool() -> &'static prost_reflect::DescriptorPool {
    static POOL: std::sync::OnceLock<prost_reflect::DescriptorPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        match prost_reflect::DescriptorPool::decode(FILE_DESCRIPTOR_SET) {
            Ok(pool) => pool,
            // The bytes are produced by this crate's build script from the same contracts;
            // failing to decode them is a build defect, not a run-time condition.
            Err(e) => panic!("the embedded descriptor set does not decode: {e}"),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rpc_carries_an_http_rule() {
        let pool = super::descriptor_pool();
        let http = pool
            .get_extension_by_name("google.api.http")
            .expect("google.api.http extension");
        let mut rpcs = 0;
        for service in pool.services() {
            for method in service.methods() {
                rpcs += 1;
                assert!(
                    method.options().has_extension(&http),
                    "{} has no google.api.http rule",
                    method.full_name()
                );
            }
        }
        assert!(rpcs > 20);
    }

    #[test]
    fn every_mutating_rpc_takes_a_request_id() {
        let pool = super::descriptor_pool();
        let http = pool.get_extension_by_name("google.api.http").expect("ext");
        for service in pool.services() {
            for method in service.methods() {
                let options = method.options();
                let rule = options.get_extension(&http);
                let rule = rule.as_message().expect("HttpRule");
                let is_get = rule
                    .get_field_by_name("get")
                    .map(|v| !v.as_str().unwrap_or_default().is_empty())
                    .unwrap_or(false)
                    && rule.has_field_by_name("get");
                if !is_get {
                    assert!(
                        method.input().get_field_by_name("request_id").is_some(),
                        "{} mutates but takes no request_id",
                        method.full_name()
                    );
                }
            }
        }
    }
}
