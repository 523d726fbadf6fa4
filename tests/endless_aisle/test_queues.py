import json

from django.conf import settings

from endless_aisle.queues import queues_ensure, sqs_client


def test_each_queue_has_a_dead_letter_queue_redrive_policy_and_visibility_timeout():
    urls = queues_ensure()
    client = sqs_client()

    assert set(urls) == {"create-order-queue", "notifications-queue", "maintenance-queue"}
    for name, url in urls.items():
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        dead_letter_url = client.get_queue_url(QueueName=f"{name}-dlq")["QueueUrl"]
        dead_letter_arn = client.get_queue_attributes(
            QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        assert attributes["VisibilityTimeout"] == str(settings.SQS_VISIBILITY_TIMEOUT)
        assert redrive == {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": 5}


def test_ensuring_again_keeps_the_same_queues():
    first = queues_ensure()
    second = queues_ensure()
    names = [url.rsplit("/", 1)[1] for url in sqs_client().list_queues()["QueueUrls"]]

    assert first == second
    assert sorted(names) == sorted([*first, *(f"{name}-dlq" for name in first)])
