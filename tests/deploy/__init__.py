"""The deploy adapter and Pulumi program under pulumi.runtime.set_mocks (the only tests that import pulumi)."""
