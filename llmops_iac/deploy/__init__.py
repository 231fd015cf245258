"""The Pulumi edge: the only package that imports pulumi, pulumi_aws and pulumi_aws_native.

``adapter.deploy_plan`` turns a Plan (``Plan.to_data()``) into real resources;
``program.main`` is the Pulumi program ``__main__.py`` runs. Nothing here is
imported by ``validate``, ``check`` or ``plan``.
"""
