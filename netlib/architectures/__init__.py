"""One module per family of networks. Each registers its builders with
`netlib.registry.register_model` when imported; `netlib.registry` imports them all on
first use, in the order the papers appeared."""
