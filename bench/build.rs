//! Compiles the hello-world contract with protox (no protoc).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("proto");
    let mut compiler = protox::Compiler::new([&root])?;
    compiler.open_files(["hello.proto"])?;
    tonic_prost_build::configure().compile_fds(compiler.file_descriptor_set())?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
