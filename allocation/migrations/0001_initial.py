# The allocation app takes over the tables that orders/migrations/0004 created: its models keep
# those table names (Meta.db_table), so this migration changes Django's state only. On a fresh
# database orders 0004 creates the tables and this takes them over; on an existing one every
# row stays where it is. orders 0006 drops the models from orders' state first.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('jobs', '0001_initial'),
        ('orders', '0006_allocation_moves_to_its_app'),
        ('workshops', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AllocationRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('apply', models.BooleanField(default=False, verbose_name='直接执行')),
                        ('status', models.CharField(choices=[('pending', '排队中'), ('running', '计算中'), ('proposed', '已提出方案'), ('applied', '已执行'), ('failed', '失败')], default='pending', max_length=20, verbose_name='状态')),
                        ('batches_considered', models.PositiveIntegerField(default=0, verbose_name='参与匹配的批次')),
                        ('assigned', models.PositiveIntegerField(default=0, verbose_name='已匹配批次')),
                        ('unassigned', models.PositiveIntegerField(default=0, verbose_name='未能匹配批次')),
                        ('applied', models.PositiveIntegerField(default=0, verbose_name='已执行批次')),
                        ('skipped', models.PositiveIntegerField(default=0, verbose_name='已跳过批次')),
                        ('total_cost', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='总成本')),
                        ('lower_bound', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='成本下界')),
                        ('stats', models.JSONField(blank=True, default=dict, verbose_name='运行统计')),
                        ('message', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='创建时间')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                        ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='jobs.job', verbose_name='后台任务')),
                    ],
                    options={
                        'verbose_name': '智能匹配',
                        'db_table': 'orders_allocationrun',
                        'verbose_name_plural': '智能匹配',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AllocationProposal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('proposed', '已提出'), ('applied', '已执行'), ('skipped', '已跳过'), ('unassigned', '未能匹配')], default='proposed', max_length=20, verbose_name='状态')),
                        ('score', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='成本')),
                        ('cost_per_piece', models.DecimalField(decimal_places=4, default=0, max_digits=10, verbose_name='每件成本')),
                        ('reasons', models.JSONField(blank=True, default=list, verbose_name='理由')),
                        ('skip_reason', models.CharField(blank=True, max_length=200, verbose_name='跳过原因')),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orders.batch', verbose_name='批次')),
                        ('workshop', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workshops.workshop', verbose_name='工坊')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proposals', to='allocation.allocationrun')),
                    ],
                    options={
                        'verbose_name': '匹配方案',
                        'db_table': 'orders_allocationproposal',
                        'verbose_name_plural': '匹配方案',
                        'ordering': ['run_id', 'pk'],
                        'constraints': [models.UniqueConstraint(fields=('run', 'batch'), name='allocation_batch_once_per_run')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
