"""What the tests need of the emulator beyond moto's AWS: applied inside the moto server process.

`tests/awsemu/moto_patches.py` makes moto answer like AWS where it answers differently; this module adds
what moto lacks or what a test must be able to set up: the AMIs the specs name, certificates imported
under the ARN a spec names, and Elastic Beanstalk as the envspec modules use it. The patched server
(`start_moto`, the `moto_server` fixture) applies both, so every test module shares one kind of server.
"""

from __future__ import annotations

from typing import Any


def apply(amis: tuple[str, ...] = ()) -> None:
    """Add the AMIs, the certificate import and the Elastic Beanstalk API the tests need to moto.

    EC2: `amis` are images in every region, public EBS images with root device /dev/xvda, like
    Amazon Linux's. The specs name made-up AMIs; moto launches any id but describes only the images
    it ships, and the ec2 role reads the AMI's root device, as it must on AWS.

    ACM: `ImportCertificate` with a `CertificateArn` moto does not know creates the certificate
    under that ARN (AWS only re-imports), so a test can give the emulated account the certificate
    a spec refers to by ARN; moto's load balancers check that it exists.

    Elastic Beanstalk as the envspec modules use it; moto 5.2 has only create/describe/tags-on-envs.

    Adds: application descriptions and tags, DescribeApplications/DescribeEnvironments filters,
    the solution stack and option settings of an environment (moto drops both),
    DescribeConfigurationSettings, UpdateEnvironment, TerminateEnvironment and application versions;
    for the AWS provider, DescribeEvents (none) and DescribeEnvironmentResources (none).
    """
    import hashlib

    from moto.acm import models as acm
    from moto.core.responses import ActionResult, EmptyResult
    from moto.ec2.models import amis as ec2_amis
    from moto.elasticbeanstalk import responses

    load_amis_ = ec2_amis.AmiBackend._load_amis

    def load_amis(self: Any) -> None:
        load_amis_(self)
        for ami_id in amis:
            self.amis[ami_id] = ec2_amis.Ami(
                self, ami_id, name=f"envspec-test-{ami_id}", owner_id="137112412989", owner_alias="amazon",
                public=True, architecture="x86_64", virtualization_type="hvm", hypervisor="xen",
                root_device_type="ebs", root_device_name="/dev/xvda", image_location="amazon/envspec-test",
            )

    ec2_amis.AmiBackend._load_amis = load_amis  # type: ignore[method-assign]

    import_certificate_ = acm.AWSCertificateManagerBackend.import_certificate

    def import_certificate(self: Any, certificate: Any, private_key: Any, chain: Any, arn: Any, tags: Any) -> str:
        if arn is not None and arn not in self._certificates:
            self._certificates[arn] = acm.CertBundle(
                self.account_id, certificate, private_key, chain=chain, region=self.region_name, arn=arn
            )
            return str(arn)
        return str(import_certificate_(self, certificate, private_key, chain, arn, tags))

    acm.AWSCertificateManagerBackend.import_certificate = import_certificate  # type: ignore[method-assign]
    from moto.elasticbeanstalk.exceptions import InvalidParameterValueError, ResourceNotFoundException

    def options(raw: Any) -> list[dict[str, str]]:
        keys = ("Namespace", "OptionName", "Value", "ResourceName")
        return [{k: o[k] for k in keys if o.get(k) is not None} for o in raw or []]

    def merged(current: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
        def key(o: dict[str, str]) -> tuple[Any, ...]:
            return (o.get("Namespace"), o.get("OptionName"), o.get("ResourceName"))

        out = {key(o): o for o in current}
        out.update({key(o): o for o in new})
        return list(out.values())

    def environment(backend: Any, name: str | None, env_id: str | None = None) -> Any:
        """An environment by name or by id (the AWS provider uses ids)."""
        for app in backend.applications.values():
            for env in app.environments.values():
                if (name is not None and env.environment_name == name) or (env_id is not None and env.environment_id == env_id):
                    return env
        what = f"EnvironmentName = '{name}'" if name is not None else f"EnvironmentId = '{env_id}'"
        raise InvalidParameterValueError(f"No Environment found for {what}.")

    def requested(self: Any) -> Any:
        return environment(self.elasticbeanstalk_backend, self._get_param("EnvironmentName"), self._get_param("EnvironmentId"))

    def taggable(backend: Any, arn: str) -> Any:
        for app in backend.applications.values():
            if app.arn == arn:
                return app
            for env in app.environments.values():
                if env.environment_arn == arn:
                    return env
        raise ResourceNotFoundException(f"Resource not found for ARN '{arn}'.")

    cls = responses.EBResponse
    create_application_, create_environment_ = cls.create_application, cls.create_environment

    def create_application(self: Any) -> Any:
        result = create_application_(self)
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        app.description = self._get_param("Description") or ""
        app.tags = {t["Key"]: t["Value"] for t in self._get_param("Tags", [])}
        return result

    def describe_applications(self: Any) -> Any:
        names = self._get_param("ApplicationNames") or []
        apps = [a for a in self.elasticbeanstalk_backend.applications.values() if not names or a.application_name in names]
        for app in apps:
            app.description = getattr(app, "description", "")
        return ActionResult({"Applications": apps})

    def update_application(self: Any) -> Any:
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        app.description = self._get_param("Description") or ""
        return ActionResult({"Application": app})

    def create_environment(self: Any) -> Any:
        env = create_environment_(self).result
        env.solution_stack_name = self._get_param("SolutionStackName")
        env.option_settings = options(self._get_param("OptionSettings"))
        # AWS gives every environment an id (e-<10 characters>); moto leaves it empty
        digest = hashlib.sha256(env.environment_arn.encode()).hexdigest()
        env.environment_id = "e-" + "".join("abcdefghijklmnopqrstuvwxyz0123456789"[int(digest[i : i + 2], 16) % 36] for i in range(0, 20, 2))
        env.cname = f"{env.environment_name}.{env.region}.elasticbeanstalk.com"
        env.endpoint_url = f"awseb-{env.environment_id}.{env.region}.elb.amazonaws.com"
        return ActionResult(env)

    def describe_environments(self: Any) -> Any:
        app, names = self._get_param("ApplicationName"), self._get_param("EnvironmentNames") or []
        ids = self._get_param("EnvironmentIds") or []
        envs = [
            e for e in self.elasticbeanstalk_backend.describe_environments()
            if (not app or e.application_name == app) and (not names or e.environment_name in names) and (not ids or e.environment_id in ids)
        ]
        return ActionResult({"Environments": envs})

    def describe_configuration_settings(self: Any) -> Any:
        env = requested(self)
        settings = {
            "ApplicationName": env.application_name,
            "EnvironmentName": env.environment_name,
            "SolutionStackName": env.solution_stack_name,
            "OptionSettings": getattr(env, "option_settings", []),
        }
        return ActionResult({"ConfigurationSettings": [settings]})

    def update_environment(self: Any) -> Any:
        env = requested(self)
        if self._get_param("SolutionStackName"):
            env.solution_stack_name = self._get_param("SolutionStackName")
        if self._get_param("VersionLabel"):
            env.version_label = self._get_param("VersionLabel")
        env.option_settings = merged(getattr(env, "option_settings", []), options(self._get_param("OptionSettings")))
        return ActionResult(env)

    def create_application_version(self: Any) -> Any:
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        label = self._get_param("VersionLabel")
        versions = app.__dict__.setdefault("versions", {})
        if label in versions:
            raise InvalidParameterValueError(f"Application Version {label} already exists.")
        versions[label] = {
            "ApplicationName": app.application_name,
            "ApplicationVersionArn": app.arn.replace(":application/", ":applicationversion/") + "/" + label,
            "VersionLabel": label,
            "SourceBundle": self._get_param("SourceBundle"),
            "Status": "PROCESSED",
        }
        return ActionResult({"ApplicationVersion": versions[label]})

    def describe_application_versions(self: Any) -> Any:
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        labels = self._get_param("VersionLabels") or []
        versions = [v for label, v in getattr(app, "versions", {}).items() if not labels or label in labels]
        return ActionResult({"ApplicationVersions": versions})

    def terminate_environment(self: Any) -> Any:
        env = requested(self)
        env.application.environments.pop(env.environment_name)
        env.status = "Terminated"
        return ActionResult(env)

    def update_tags_for_resource(self: Any) -> Any:
        res = taggable(self.elasticbeanstalk_backend, self._get_param("ResourceArn"))
        res.tags = dict(getattr(res, "tags", None) or {})
        res.tags.update({t["Key"]: t["Value"] for t in self._get_param("TagsToAdd", [])})
        for key in self._get_param("TagsToRemove", []):
            res.tags.pop(key, None)
        return EmptyResult()

    def list_tags_for_resource(self: Any) -> Any:
        arn = self._get_param("ResourceArn")
        tags = getattr(taggable(self.elasticbeanstalk_backend, arn), "tags", None) or {}
        return ActionResult({"ResourceArn": arn, "ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def describe_events(self: Any) -> Any:
        # AWS lists what happened to an environment; the AWS provider reads it while it waits for an
        # environment to be Ready, and stops on an ERROR event. moto has none to tell.
        return ActionResult({"Events": []})

    def describe_environment_resources(self: Any) -> Any:
        # The AWS provider reads the instances, groups and load balancers behind an environment; moto runs none.
        env = requested(self)
        kinds = ("AutoScalingGroups", "Instances", "LaunchConfigurations", "LaunchTemplates", "LoadBalancers", "Triggers", "Queues")
        return ActionResult({"EnvironmentResources": {"EnvironmentName": env.environment_name, **{k: [] for k in kinds}}})

    for fn in (
        describe_events, describe_environment_resources,
        create_application, describe_applications, update_application, create_environment, describe_environments,
        describe_configuration_settings, update_environment, terminate_environment, update_tags_for_resource,
        list_tags_for_resource, create_application_version, describe_application_versions,
    ):
        setattr(cls, fn.__name__, fn)
