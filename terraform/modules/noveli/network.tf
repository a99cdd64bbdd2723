# The story generator's own VPC (staging, production): private subnets for the function, NAT for
# the AI providers' public APIs, and a free gateway endpoint so DynamoDB traffic stays private.

data "aws_availability_zones" "available" {
  count = var.enable_vpc ? 1 : 0
  state = "available"
}

locals {
  vpc_azs       = var.enable_vpc ? slice(data.aws_availability_zones.available[0].names, 0, 2) : []
  nat_gateways  = var.enable_vpc ? (var.nat_gateway_per_az ? length(local.vpc_azs) : 1) : 0
  subnet_prefix = 8 # /16 VPC -> /24 subnets
}

resource "aws_vpc" "main" {
  count = var.enable_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = { Name = "${local.name}-vpc" }
}

resource "aws_subnet" "private" {
  count = length(local.vpc_azs)

  vpc_id            = aws_vpc.main[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr, local.subnet_prefix, count.index + 1)
  availability_zone = local.vpc_azs[count.index]

  tags = { Name = "${local.name}-private-${local.vpc_azs[count.index]}", Tier = "private" }
}

resource "aws_subnet" "public" {
  count = length(local.vpc_azs)

  vpc_id            = aws_vpc.main[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr, local.subnet_prefix, count.index + 101)
  availability_zone = local.vpc_azs[count.index]

  tags = { Name = "${local.name}-public-${local.vpc_azs[count.index]}", Tier = "public" }
}

resource "aws_internet_gateway" "main" {
  count  = var.enable_vpc ? 1 : 0
  vpc_id = aws_vpc.main[0].id

  tags = { Name = "${local.name}-igw" }
}

resource "aws_route_table" "public" {
  count  = var.enable_vpc ? 1 : 0
  vpc_id = aws_vpc.main[0].id

  tags = { Name = "${local.name}-public" }
}

resource "aws_route" "public_internet" {
  count                  = var.enable_vpc ? 1 : 0
  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.main[0].id
}

resource "aws_route_table_association" "public" {
  count          = length(local.vpc_azs)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_eip" "nat" {
  count  = local.nat_gateways
  domain = "vpc"

  tags = { Name = "${local.name}-nat-${count.index}" }
}

resource "aws_nat_gateway" "main" {
  count         = local.nat_gateways
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags       = { Name = "${local.name}-nat-${count.index}" }
  depends_on = [aws_internet_gateway.main]
}

resource "aws_route_table" "private" {
  count  = length(local.vpc_azs)
  vpc_id = aws_vpc.main[0].id

  tags = { Name = "${local.name}-private-${local.vpc_azs[count.index]}" }
}

resource "aws_route" "private_nat" {
  count                  = length(local.vpc_azs)
  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main[min(count.index, local.nat_gateways - 1)].id
}

resource "aws_route_table_association" "private" {
  count          = length(local.vpc_azs)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_vpc_endpoint" "dynamodb" {
  count             = var.enable_vpc ? 1 : 0
  vpc_id            = aws_vpc.main[0].id
  service_name      = "com.amazonaws.${local.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = { Name = "${local.name}-dynamodb" }
}

resource "aws_security_group" "story_generator" {
  count       = var.enable_vpc ? 1 : 0
  name        = "${local.name}-story-generator"
  description = "noveli ${var.environment} story generator: HTTPS out only, nothing in"
  vpc_id      = aws_vpc.main[0].id

  tags = { Name = "${local.name}-story-generator" }
}

resource "aws_vpc_security_group_egress_rule" "story_generator_https" {
  count             = var.enable_vpc ? 1 : 0
  security_group_id = aws_security_group.story_generator[0].id
  description       = "HTTPS to AWS APIs and the AI providers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
