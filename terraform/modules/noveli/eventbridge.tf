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

# Events go to the live color. A deploy publishes to the idle color, so the live one is the other
# color than target_color; on the first deploy both aliases hold the same version. Between a
# `noveli switch-traffic` and the next deploy events reach the previous color unless the switch
# also repoints this target (PutTargets on event_rule_name / event_target_id); the next deploy
# then sets the same value, so the two never fight.
locals {
  event_color = var.target_color == "blue" ? "green" : "blue"
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
