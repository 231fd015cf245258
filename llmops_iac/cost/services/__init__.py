"""The estimate by service: each module prices one group of the Plan's resources into a Builder."""
