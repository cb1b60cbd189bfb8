"""Master template analysis. Pure: reads files, never touches the network."""
