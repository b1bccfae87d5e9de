//! Compiles the contracts with protox (pure Rust), so building needs no protoc.

use std::path::PathBuf;

include!("contract_files.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("proto");
    let files = CONTRACT_FILES;
    let mut compiler = protox::Compiler::new([&root])?;
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(files)?;

    // Encoded straight from protox: a round trip through prost_types drops custom options
    // such as google.api.http, which the gateway needs.
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("descriptor.bin"),
        compiler.encode_file_descriptor_set(),
    )?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(compiler.file_descriptor_set())?;
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=contract_files.rs");
    Ok(())
}
