from endless_aisle.settings.sqs import broker_settings

COMMON = {"region": "eu-west-1", "queue_prefix": "", "visibility_timeout": 300}


def test_a_local_endpoint_goes_into_the_broker_url_over_plain_http():
    url, options = broker_settings(
        endpoint_url="http://127.0.0.1:9324",
        access_key_id="local",
        secret_access_key="a/b+c",
        **COMMON,
    )

    assert url == "sqs://local:a%2Fb%2Bc@127.0.0.1:9324"
    assert options["is_secure"] is False
    assert options["region"] == "eu-west-1"


def test_amazon_sqs_with_a_task_role_needs_no_host_or_credentials():
    url, options = broker_settings(
        endpoint_url="", access_key_id="", secret_access_key="", **COMMON
    )

    assert url == "sqs://"
    assert "is_secure" not in options


def test_prefix_and_visibility_timeout_reach_kombu():
    _, options = broker_settings(
        endpoint_url="https://sqs.example",
        access_key_id="k",
        secret_access_key="s",
        region="us-east-2",
        queue_prefix="staging-",
        visibility_timeout=120,
    )

    assert options["is_secure"] is True
    assert options["queue_name_prefix"] == "staging-"
    assert options["visibility_timeout"] == 120
    assert options["region"] == "us-east-2"


def test_the_long_poll_wait_reaches_kombu():
    _, options = broker_settings(
        endpoint_url="", access_key_id="", secret_access_key="", wait_time_seconds=1, **COMMON
    )

    assert options["wait_time_seconds"] == 1
