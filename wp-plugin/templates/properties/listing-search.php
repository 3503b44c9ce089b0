<?php
/**
 * [senw_listing_search]: the search form (the first fields in view, the rest
 * folded under "More filters"), result cards in a grid, and pagination.
 *
 * @var string  $action  Page URL the form submits to (GET).
 * @var array   $raw     The visitor's input, to show back.
 * @var array   $errors  Field => message.
 * @var array   $filters SENW_CRM_Properties::filters().
 * @var array   $options Choices of the status and property type selects.
 * @var array   $sorts   Sort key => array( label, orderby, order ).
 * @var string  $sort    Current sort key.
 * @var array[] $cards   Result cards.
 * @var int     $total   Matching listings.
 * @var int     $page    Current page.
 * @var int     $pages   Pages.
 * @var string  $prev    Previous page URL or ''.
 * @var string  $next    Next page URL or ''.
 * @var array[] $views   'list'/'map' => array( label, URL, current ).
 * @var string  $map     The map view's HTML (SENW_CRM_Listing_Map::render()) or ''.
 */

defined( 'ABSPATH' ) || exit;

$senw_val = static function ( $name ) use ( $raw ) {
	return isset( $raw[ $name ] ) ? $raw[ $name ] : '';
};
?>
<div class="senw-listings alignwide">
	<form method="get" action="<?php echo esc_url( $action ); ?>" class="senw-listings-form" role="search">
		<?php if ( $errors ) : ?>
			<div class="senw-listings-errors" role="alert">
				<ul>
					<?php foreach ( $errors as $senw_field => $senw_message ) : ?>
						<li id="<?php echo esc_attr( 'senw-listings-error-' . $senw_field ); ?>"><?php echo esc_html( $senw_message ); ?></li>
					<?php endforeach; ?>
				</ul>
			</div>
		<?php endif; ?>
		<?php
		// The first fields stay in view on a phone; the rest fold under "More filters".
		$senw_main  = array( 'property_type', 'min_price', 'max_price', 'min_beds', 'city' );
		$senw_more  = array( 'status', 'min_baths', 'min_area', 'max_area', 'postal_code', 'max_dom', 'keyword' );
		$senw_field = static function ( $senw_name ) use ( $filters, $options, $errors, $senw_val ) {
			$senw_id = 'senw-ls-' . $senw_name;
			echo '<p class="senw-listings-field">';
			printf( '<label for="%s">%s</label>', esc_attr( $senw_id ), esc_html( $filters[ $senw_name ][1] ) );
			$senw_invalid = isset( $errors[ $senw_name ] ) ? ' aria-invalid="true" aria-describedby="' . esc_attr( 'senw-listings-error-' . $senw_name ) . '"' : '';
			if ( isset( $options[ $senw_name ] ) ) {
				printf( '<select name="%1$s" id="%2$s"%3$s>', esc_attr( $senw_name ), esc_attr( $senw_id ), $senw_invalid ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped above.
				echo '<option value="">' . esc_html__( 'Any', 'senw-crm' ) . '</option>';
				foreach ( $options[ $senw_name ] as $senw_option ) {
					printf( '<option value="%1$s"%2$s>%3$s</option>', esc_attr( $senw_option ), selected( SENW_CRM_Properties::lookup( $senw_val( $senw_name ), $options[ $senw_name ] ), $senw_option, false ), esc_html( $senw_option ) );
				}
				echo '</select>';
			} else {
				$senw_kind = $filters[ $senw_name ][0];
				$senw_num  = ! in_array( $senw_kind, array( 'text', 'keyword' ), true );
				printf(
					'<input type="%1$s" %2$s name="%3$s" id="%4$s" value="%5$s"%6$s>',
					$senw_num ? 'number' : 'text',
					$senw_num ? ( 'int' === $senw_kind ? 'step="1" min="0" inputmode="numeric"' : 'step="any" min="0" inputmode="decimal"' ) : '',
					esc_attr( $senw_name ),
					esc_attr( $senw_id ),
					esc_attr( $senw_val( $senw_name ) ),
					$senw_invalid // phpcs:ignore WordPress.Security.EscapeOutput -- escaped above.
				);
			}
			echo '</p>';
		};
		$senw_more_used = array_filter(
			$senw_more,
			static function ( $n ) use ( $senw_val ) {
				return '' !== $senw_val( $n );
			}
		);
		?>
		<div class="senw-listings-fields">
			<?php foreach ( $senw_main as $senw_name ) : ?>
				<?php $senw_field( $senw_name ); ?>
			<?php endforeach; ?>
			<p class="senw-listings-field">
				<label for="senw-ls-sort"><?php esc_html_e( 'Sort', 'senw-crm' ); ?></label>
				<select name="sort" id="senw-ls-sort">
					<?php foreach ( $sorts as $senw_key => $senw_sort ) : ?>
						<option value="<?php echo esc_attr( $senw_key ); ?>" <?php selected( $sort, $senw_key ); ?>><?php echo esc_html( $senw_sort[0] ); ?></option>
					<?php endforeach; ?>
				</select>
			</p>
		</div>
		<details class="senw-listings-more"<?php echo $senw_more_used || $errors ? ' open' : ''; ?>>
			<summary><?php esc_html_e( 'More filters', 'senw-crm' ); ?></summary>
			<div class="senw-listings-fields">
				<?php foreach ( $senw_more as $senw_name ) : ?>
					<?php $senw_field( $senw_name ); ?>
				<?php endforeach; ?>
			</div>
		</details>
		<?php if ( $map ) : ?>
			<input type="hidden" name="view" value="map">
		<?php endif; ?>
		<p class="senw-listings-actions"><button type="submit" class="senw-listings-submit"><?php esc_html_e( 'Search', 'senw-crm' ); ?></button></p>
	</form>

	<?php
	// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only, known codes.
	$senw_saved     = isset( $_GET['senw_saved'] );
	$senw_save_err  = isset( $_GET['senw_save_error'] ) ? sanitize_key( wp_unslash( $_GET['senw_save_error'] ) ) : '';
	// phpcs:enable
	$senw_save_msgs = SENW_CRM_Saved_Searches::public_messages();
	?>
	<details class="senw-save-search" id="senw-save-search"<?php echo $senw_save_err || $senw_saved ? ' open' : ''; ?>>
		<summary><?php esc_html_e( 'Save this search and get alerts', 'senw-crm' ); ?></summary>
		<?php if ( $senw_saved ) : ?>
			<p class="senw-save-ok" role="status"><?php esc_html_e( 'Search saved. We will email you new listings and price drops that match it.', 'senw-crm' ); ?></p>
		<?php endif; ?>
		<?php if ( isset( $senw_save_msgs[ $senw_save_err ] ) ) : ?>
			<p class="senw-listings-errors" role="alert"><?php echo esc_html( $senw_save_msgs[ $senw_save_err ] ); ?></p>
		<?php endif; ?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" class="senw-save-search-form">
			<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Saved_Searches::PUBLIC_ACTION ); ?>">
			<input type="hidden" name="senw_nonce" value="<?php echo esc_attr( wp_create_nonce( SENW_CRM_Saved_Searches::PUBLIC_ACTION ) ); ?>">
			<?php foreach ( array_keys( $filters ) as $senw_name ) : ?>
				<?php if ( '' !== $senw_val( $senw_name ) ) : ?>
					<input type="hidden" name="<?php echo esc_attr( $senw_name ); ?>" value="<?php echo esc_attr( $senw_val( $senw_name ) ); ?>">
				<?php endif; ?>
			<?php endforeach; ?>
			<p class="senw-hp" aria-hidden="true"><label for="senw-ss-website">Website</label><input type="text" id="senw-ss-website" name="senw_website" tabindex="-1" autocomplete="off"></p>
			<div class="senw-listings-fields">
				<p class="senw-listings-field"><label for="senw-ss-email"><?php esc_html_e( 'Email', 'senw-crm' ); ?></label><input type="email" id="senw-ss-email" name="email" autocomplete="email" required></p>
				<p class="senw-listings-field"><label for="senw-ss-schedule"><?php esc_html_e( 'How often', 'senw-crm' ); ?></label>
					<select id="senw-ss-schedule" name="schedule">
						<?php foreach ( SENW_CRM_Saved_Searches::schedule_labels() as $senw_key => $senw_label ) : ?>
							<option value="<?php echo esc_attr( $senw_key ); ?>" <?php selected( 'daily', $senw_key ); ?>><?php echo esc_html( $senw_label ); ?></option>
						<?php endforeach; ?>
					</select></p>
			</div>
			<p class="senw-save-consent"><input type="checkbox" id="senw-ss-consent" name="consent" value="1" required> <label for="senw-ss-consent"><?php echo esc_html( SENW_CRM_Saved_Searches::consent_text() ); ?></label></p>
			<p class="senw-listings-actions"><button type="submit" class="senw-listings-submit" id="senw-ss-submit"><?php esc_html_e( 'Save search', 'senw-crm' ); ?></button></p>
		</form>
	</details>

	<div class="senw-listings-bar">
		<p class="senw-listings-total">
			<?php
			/* translators: %s: number of listings */
			echo esc_html( sprintf( _n( '%s listing', '%s listings', $total, 'senw-crm' ), number_format_i18n( $total ) ) );
			?>
		</p>
		<nav class="senw-listings-views" aria-label="<?php esc_attr_e( 'Results view', 'senw-crm' ); ?>">
			<?php foreach ( $views as $senw_view ) : ?>
				<a href="<?php echo esc_url( $senw_view[1] ); ?>"<?php echo $senw_view[2] ? ' aria-current="page"' : ''; ?>><?php echo esc_html( $senw_view[0] ); ?></a>
			<?php endforeach; ?>
		</nav>
	</div>
	<?php echo $map; // phpcs:ignore WordPress.Security.EscapeOutput -- rendered by templates/properties/listing-map.php, escaped there. ?>
	<ul class="senw-listings-cards">
		<?php foreach ( $cards as $senw_card ) : ?>
			<li class="senw-listing-card" data-listing-key="<?php echo esc_attr( $senw_card['key'] ); ?>">
				<a href="<?php echo esc_url( $senw_card['url'] ); ?>">
					<?php if ( $senw_card['photo'] ) : ?>
						<img src="<?php echo esc_url( $senw_card['photo'] ); ?>" alt="" loading="lazy" width="400" height="300" class="senw-listing-photo">
					<?php else : ?>
						<span class="senw-listing-photo senw-listing-nophoto"><?php esc_html_e( 'No photo', 'senw-crm' ); ?></span>
					<?php endif; ?>
					<span class="senw-listing-price"><?php echo esc_html( $senw_card['price'] ); ?></span>
					<?php if ( $senw_card['facts'] ) : ?>
						<span class="senw-listing-rooms"><?php echo esc_html( implode( ' · ', $senw_card['facts'] ) ); ?></span>
					<?php endif; ?>
					<span class="senw-listing-address"><?php echo esc_html( $senw_card['address'] ); ?></span>
					<span class="senw-listing-status"><?php echo esc_html( $senw_card['status'] ); ?></span>
				</a>
			</li>
		<?php endforeach; ?>
	</ul>
	<?php if ( ! $cards ) : ?>
		<p class="senw-listings-none"><?php esc_html_e( 'No listings match your search.', 'senw-crm' ); ?></p>
	<?php endif; ?>
	<?php if ( $pages > 1 ) : ?>
		<nav class="senw-listings-pages" aria-label="<?php esc_attr_e( 'Result pages', 'senw-crm' ); ?>">
			<?php if ( $prev ) : ?>
				<a rel="prev" class="senw-listings-prev" href="<?php echo esc_url( $prev ); ?>">&laquo; <?php esc_html_e( 'Previous', 'senw-crm' ); ?></a>
			<?php endif; ?>
			<span class="senw-listings-page">
				<?php
				/* translators: 1: page, 2: pages */
				echo esc_html( sprintf( __( 'Page %1$s of %2$s', 'senw-crm' ), number_format_i18n( $page ), number_format_i18n( $pages ) ) );
				?>
			</span>
			<?php if ( $next ) : ?>
				<a rel="next" class="senw-listings-next" href="<?php echo esc_url( $next ); ?>"><?php esc_html_e( 'Next', 'senw-crm' ); ?> &raquo;</a>
			<?php endif; ?>
		</nav>
	<?php endif; ?>
</div>
