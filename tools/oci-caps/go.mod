module paddock/tools/oci-caps

go 1.25.0
