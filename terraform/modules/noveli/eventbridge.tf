# Story events from the platform invoke the story generator asynchronously (failures go to the DLQ).
resource "aws_cloudwatch_event_rule" "story_events" {
  name        = "${local.name}-story-events"
  description = "Story generation and processing events of noveli ${var.environment}"

  event_pattern = jsonencode({
    source = ["noveli"]
    detail-type = [
      "Story Generation Requested",
      "Story Beat Generated",
      "User Choice Made",
      "Story Completed",
    ]
  })
}

# Events go to the color the live stage serves, as terraform reads the stage back: its
# `deployment` variable is ignored for changes (noveli switch-traffic owns it), so on every plan it
# holds what the refresh read from API Gateway, and on the first deploy the value it is created
# with (blue), the same as live. Never derived from target_color: a deploy's target is not what is
# live. A switch repoints this target at once (PutTargets on event_rule_name / event_target_id) and
# the next deploy reads the same color back, so the two never fight.
locals {
  event_color = aws_api_gateway_stage.live.variables["deployment"]
}

resource "aws_cloudwatch_event_target" "story_generator" {
  rule      = aws_cloudwatch_event_rule.story_events.name
  target_id = "StoryGenerator"
  arn       = aws_lambda_alias.color[local.event_color].arn
}

resource "aws_lambda_permission" "events" {
  for_each = toset(local.colors)

  statement_id  = "AllowEventBridgeInvoke-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.story_generator.function_name
  qualifier     = aws_lambda_alias.color[each.key].name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.story_events.arn
}
