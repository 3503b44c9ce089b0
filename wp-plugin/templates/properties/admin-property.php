<?php
/**
 * CRM > Properties > one property.
 *
 * @var array      $listing     Properties row (agents' view: private remarks included).
 * @var array[]    $photos      Media rows in Order.
 * @var array[]    $open_houses Open house rows.
 * @var array|null $agent       Member row.
 * @var array|null $office      Office row.
 * @var array[]    $leads       Linked leads the user may see.
 * @var array[]    $deals       Linked deals the user may see.
 * @var array      $facts       Label => value.
 * @var string     $back_url    The search.
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap senw-crm-property" data-listing-key="<?php echo esc_attr( $listing['ListingKey'] ); ?>">
	<p><a href="<?php echo esc_url( $back_url ); ?>">&larr; <?php esc_html_e( 'Properties', 'senw-crm' ); ?></a></p>
	<h1><?php echo esc_html( $listing['UnparsedAddress'] ? $listing['UnparsedAddress'] : $listing['ListingKey'] ); ?></h1>
	<p class="senw-crm-place"><?php echo esc_html( trim( implode( ', ', array_filter( array( $listing['City'], trim( $listing['StateOrProvince'] . ' ' . $listing['PostalCode'] ) ) ) ) ) ); ?></p>
	<?php if ( '0' === (string) $listing['searchable'] ) : ?>
		<div class="notice notice-warning inline"><p><?php esc_html_e( 'This listing is removed from search.', 'senw-crm' ); ?></p></div>
	<?php endif; ?>

	<div class="senw-crm-photos">
		<?php if ( ! $photos ) : ?>
			<p class="description"><?php esc_html_e( 'No photos.', 'senw-crm' ); ?></p>
		<?php endif; ?>
		<?php foreach ( $photos as $photo ) : ?>
			<figure class="senw-crm-photo">
				<img src="<?php echo esc_url( $photo['MediaURL'] ); ?>" alt="<?php echo esc_attr( (string) $photo['ShortDescription'] ); ?>" loading="lazy" data-order="<?php echo esc_attr( (string) $photo['Order'] ); ?>">
			</figure>
		<?php endforeach; ?>
	</div>

	<div class="senw-crm-columns">
		<div class="senw-crm-main">
			<h2><?php esc_html_e( 'Facts', 'senw-crm' ); ?></h2>
			<table class="widefat striped senw-crm-facts">
				<tbody>
				<?php foreach ( $facts as $label => $value ) : ?>
					<tr><th scope="row"><?php echo esc_html( $label ); ?></th><td><?php echo esc_html( (string) $value ); ?></td></tr>
				<?php endforeach; ?>
				</tbody>
			</table>

			<?php if ( $listing['PublicRemarks'] ) : ?>
				<h2><?php esc_html_e( 'Public remarks', 'senw-crm' ); ?></h2>
				<div class="senw-crm-remarks senw-crm-public-remarks"><?php echo wp_kses_post( wpautop( esc_html( $listing['PublicRemarks'] ) ) ); ?></div>
			<?php endif; ?>
			<?php if ( $listing['PrivateRemarks'] ) : ?>
				<h2><?php esc_html_e( 'Private remarks (agents only)', 'senw-crm' ); ?></h2>
				<div class="senw-crm-remarks senw-crm-private-remarks"><?php echo wp_kses_post( wpautop( esc_html( $listing['PrivateRemarks'] ) ) ); ?></div>
			<?php endif; ?>

			<h2><?php esc_html_e( 'Leads on this listing', 'senw-crm' ); ?></h2>
			<table class="widefat striped senw-crm-linked-leads">
				<thead><tr><th><?php esc_html_e( 'Lead', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Status', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Temperature', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Source', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Created', 'senw-crm' ); ?></th></tr></thead>
				<tbody>
				<?php if ( ! $leads ) : ?>
					<tr class="no-items"><td colspan="6"><?php esc_html_e( 'No leads you can see.', 'senw-crm' ); ?></td></tr>
				<?php endif; ?>
				<?php foreach ( $leads as $lead ) : ?>
					<tr data-lead-id="<?php echo esc_attr( (string) $lead['id'] ); ?>">
						<td><a href="<?php echo esc_url( SENW_CRM_Admin_Properties::lead_url( $lead['id'] ) ); ?>"><?php echo esc_html( '' !== $lead['display_name'] ? $lead['display_name'] : '#' . $lead['id'] ); ?></a></td>
						<td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::status_labels(), $lead['status'] ) ); ?></td>
						<td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::temperature_labels(), $lead['temperature'] ) ); ?></td>
						<td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::source_labels(), $lead['source'] ) ); ?></td>
						<td><?php echo esc_html( SENW_CRM_Properties::user_name( $lead['agent_id'] ) ); ?></td>
						<td><?php echo esc_html( SENW_CRM_Properties::local_time( $lead['created_at'] ) ); ?></td>
					</tr>
				<?php endforeach; ?>
				</tbody>
			</table>

			<h2><?php esc_html_e( 'Deals on this listing', 'senw-crm' ); ?></h2>
			<table class="widefat striped senw-crm-linked-deals">
				<thead><tr><th><?php esc_html_e( 'Deal', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Stage', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Value', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Probability', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Expected close', 'senw-crm' ); ?></th></tr></thead>
				<tbody>
				<?php if ( ! $deals ) : ?>
					<tr class="no-items"><td colspan="6"><?php esc_html_e( 'No deals you can see.', 'senw-crm' ); ?></td></tr>
				<?php endif; ?>
				<?php foreach ( $deals as $deal ) : ?>
					<tr data-deal-id="<?php echo esc_attr( (string) $deal['id'] ); ?>">
						<td><?php echo esc_html( '' !== $deal['title'] ? $deal['title'] : '#' . $deal['id'] ); ?></td>
						<td><?php echo esc_html( ucfirst( str_replace( '_', ' ', (string) $deal['stage'] ) ) ); ?></td>
						<td><?php echo esc_html( '$' . number_format_i18n( (float) $deal['value'] ) ); ?></td>
						<td><?php echo esc_html( $deal['probability'] . '%' ); ?></td>
						<td><?php echo esc_html( SENW_CRM_Properties::user_name( $deal['agent_id'] ) ); ?></td>
						<td><?php echo esc_html( $deal['expected_close_date'] ? date_i18n( get_option( 'date_format' ), strtotime( (string) $deal['expected_close_date'] ) ) : '' ); ?></td>
					</tr>
				<?php endforeach; ?>
				</tbody>
			</table>
			<?php
			/**
			 * Sections other parts of the CRM add to the property page's main
			 * column (shared links, deals, field problems...). Callbacks check
			 * their own capabilities and escape their own output.
			 *
			 * @param array $listing Properties row.
			 */
			do_action( 'senw_crm_property_page_main', $listing );
			?>
		</div>

		<div class="senw-crm-side">
			<?php do_action( 'senw_crm_property_page_side', $listing ); ?>
			<h2><?php esc_html_e( 'Listing agent', 'senw-crm' ); ?></h2>
			<div class="senw-crm-agent">
				<?php if ( $agent ) : ?>
					<p><strong><?php echo esc_html( $agent['MemberFullName'] ? $agent['MemberFullName'] : trim( $agent['MemberFirstName'] . ' ' . $agent['MemberLastName'] ) ); ?></strong>
					<?php if ( $agent['MemberMlsId'] ) : ?>
						<br><span class="description"><?php echo esc_html( $agent['MemberMlsId'] ); ?></span>
					<?php endif; ?></p>
					<?php if ( $agent['MemberMobilePhone'] ) : ?>
						<p><a href="<?php echo esc_url( 'tel:' . preg_replace( '/[^0-9+]/', '', $agent['MemberMobilePhone'] ) ); ?>"><?php echo esc_html( $agent['MemberMobilePhone'] ); ?></a></p>
					<?php endif; ?>
					<?php if ( $agent['MemberEmail'] ) : ?>
						<p><a href="<?php echo esc_url( 'mailto:' . $agent['MemberEmail'] ); ?>"><?php echo esc_html( $agent['MemberEmail'] ); ?></a></p>
					<?php endif; ?>
				<?php elseif ( $listing['ListAgentFullName'] ) : ?>
					<p><strong><?php echo esc_html( $listing['ListAgentFullName'] ); ?></strong></p>
				<?php else : ?>
					<p class="description"><?php esc_html_e( 'Unknown.', 'senw-crm' ); ?></p>
				<?php endif; ?>
			</div>
			<h2><?php esc_html_e( 'Listing office', 'senw-crm' ); ?></h2>
			<div class="senw-crm-office">
				<?php if ( $office ) : ?>
					<p><strong><?php echo esc_html( (string) $office['OfficeName'] ); ?></strong></p>
					<?php if ( $office['OfficePhone'] ) : ?>
						<p><a href="<?php echo esc_url( 'tel:' . preg_replace( '/[^0-9+]/', '', $office['OfficePhone'] ) ); ?>"><?php echo esc_html( $office['OfficePhone'] ); ?></a></p>
					<?php endif; ?>
				<?php elseif ( $listing['ListOfficeName'] ) : ?>
					<p><strong><?php echo esc_html( $listing['ListOfficeName'] ); ?></strong></p>
				<?php else : ?>
					<p class="description"><?php esc_html_e( 'Unknown.', 'senw-crm' ); ?></p>
				<?php endif; ?>
			</div>
			<h2><?php esc_html_e( 'Open houses', 'senw-crm' ); ?></h2>
			<ul class="senw-crm-open-houses">
				<?php if ( ! $open_houses ) : ?>
					<li class="description"><?php esc_html_e( 'None scheduled.', 'senw-crm' ); ?></li>
				<?php endif; ?>
				<?php foreach ( $open_houses as $oh ) : ?>
					<li>
						<?php echo esc_html( trim( SENW_CRM_Properties::local_time( $oh['OpenHouseStartTime'] ) . ' – ' . SENW_CRM_Properties::local_time( $oh['OpenHouseEndTime'], get_option( 'time_format' ) ), ' –' ) ); ?>
						<?php if ( $oh['OpenHouseStatus'] && 'Active' !== $oh['OpenHouseStatus'] ) : ?>
							<em>(<?php echo esc_html( $oh['OpenHouseStatus'] ); ?>)</em>
						<?php endif; ?>
						<?php if ( $oh['OpenHouseRemarks'] ) : ?>
							<br><span class="description"><?php echo esc_html( $oh['OpenHouseRemarks'] ); ?></span>
						<?php endif; ?>
					</li>
				<?php endforeach; ?>
			</ul>
		</div>
	</div>
</div>
